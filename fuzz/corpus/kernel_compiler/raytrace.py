"""txray's ray-tracing kernel in the Python subset of assets/kernels/README.md.

txray compiles this file to its own bytecode and runs it in its CPython-like
virtual machine (the `interp` engine); the same file runs unchanged under
python3 and pypy3 (the `__main__` block at the end, which txray does not
compile) to calibrate that engine against the real runtimes.

Every formula mirrors renderer/whitted.h, renderer/bvh.h, renderer/geometry.h
and renderer/camera.h: same operations in the same order, same epsilon
offsets; only the precision differs (Python floats are doubles, the native
kernel uses float). sRGB encoding is the film's job, not the kernel's.

What the kernel is given (`scene`): attributes `objects`, `materials`,
`lights` (indexable; each element has the fields of scene_state.h, vectors
as 3-tuples), `light_count`, `camera`, `background`, `max_depth`, and the
flattened BVH: `nodes` (9 numbers per node: lo x y z, hi x y z,
first_or_second, count, axis), `indices` and `unbounded`.
"""
import math

INF = float("inf")
SPHERE = 0
PLANE = 1
BOX = 2

# Every ray cast (primary, shadow, reflected, refracted), as the native
# tracer counts them; the host reads and resets it around each unit.
ray_count = 0


def dot(a, b):
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def add(a, b):
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


def sub(a, b):
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


def mul(a, b):
    return (a[0] * b[0], a[1] * b[1], a[2] * b[2])


def scale(a, s):
    return (s * a[0], s * a[1], s * a[2])


def cross(a, b):
    return (a[1] * b[2] - b[1] * a[2], a[2] * b[0] - b[2] * a[0], a[0] * b[1] - b[0] * a[1])


def normalize(a):
    inv = 1.0 / math.sqrt(dot(a, a))
    return (a[0] * inv, a[1] * inv, a[2] * inv)


def reciprocal(x):
    # IEEE 1/0 is a signed infinity; Python raises instead.
    if x == 0.0:
        return math.copysign(INF, x)
    return 1.0 / x


# ---- shapes (geometry.h) ----

def intersect_sphere(o, d, center, radius, t_min, t_max):
    fx = o[0] - center[0]
    fy = o[1] - center[1]
    fz = o[2] - center[2]
    b = fx * d[0] + fy * d[1] + fz * d[2]
    px = fx - b * d[0]
    py = fy - b * d[1]
    pz = fz - b * d[2]
    r2 = radius * radius
    disc = r2 - (px * px + py * py + pz * pz)
    if disc < 0.0:
        return INF
    c = (fx * fx + fy * fy + fz * fz) - r2
    q = -b - math.copysign(math.sqrt(disc), b)
    if q != 0.0:
        t0 = c / q
    else:
        t0 = 0.0
    t1 = q
    if t0 > t1:
        t0, t1 = t1, t0
    if t0 > t_min and t0 < t_max:
        return t0
    if t1 > t_min and t1 < t_max:
        return t1
    return INF


def intersect_plane(o, d, point, normal, t_min, t_max):
    denom = dot(d, normal)
    if denom == 0.0:
        return INF
    t = dot(sub(point, o), normal) / denom
    if t > t_min and t < t_max:
        return t
    return INF


def intersect_box(o, d, center, half, t_min, t_max):
    enter = -INF
    leave = INF
    for axis in range(3):
        inv = reciprocal(d[axis])
        t_lo = (center[axis] - half[axis] - o[axis]) * inv
        t_hi = (center[axis] + half[axis] - o[axis]) * inv
        enter = max(enter, min(t_lo, t_hi))
        leave = min(leave, max(t_lo, t_hi))
    if enter > leave:
        return INF
    if enter > t_min and enter < t_max:
        return enter
    if leave > t_min and leave < t_max:
        return leave
    return INF


def intersect(obj, o, d, t_min, t_max):
    kind = obj.kind
    if kind == SPHERE:
        return intersect_sphere(o, d, obj.center, obj.radius, t_min, t_max)
    if kind == PLANE:
        return intersect_plane(o, d, obj.center, obj.normal, t_min, t_max)
    return intersect_box(o, d, obj.center, obj.half_size, t_min, t_max)


def surface_normal(obj, p):
    kind = obj.kind
    if kind == SPHERE:
        c = obj.center
        r = obj.radius
        return ((p[0] - c[0]) / r, (p[1] - c[1]) / r, (p[2] - c[2]) / r)
    if kind == PLANE:
        return obj.normal
    c = obj.center
    h = obj.half_size
    dx = (p[0] - c[0]) / max(h[0], 1e-20)
    dy = (p[1] - c[1]) / max(h[1], 1e-20)
    dz = (p[2] - c[2]) / max(h[2], 1e-20)
    ax = abs(dx)
    ay = abs(dy)
    az = abs(dz)
    if ax >= ay and ax >= az:
        return (math.copysign(1.0, dx), 0.0, 0.0)
    if ay >= az:
        return (0.0, math.copysign(1.0, dy), 0.0)
    return (0.0, 0.0, math.copysign(1.0, dz))


# ---- the BVH (bvh.h) ----

def slabs(nodes, k, o, inv, t_min, t_max):
    """Entry distance into node k's box, or INF (intersect_slabs)."""
    enter = t_min
    leave = t_max
    for axis in range(3):
        t_lo = (nodes[k + axis] - o[axis]) * inv[axis]
        t_hi = (nodes[k + 3 + axis] - o[axis]) * inv[axis]
        enter = max(enter, min(t_lo, t_hi))
        leave = min(leave, max(t_lo, t_hi))
    if enter <= leave:
        return enter
    return INF


def closest_hit(scene, o, d, t_min, t_max):
    """(t, object index), or (INF, -1) when nothing is hit."""
    objects = scene.objects
    hit_t = t_max
    hit_object = -1
    for i in scene.unbounded:
        t = intersect(objects[i], o, d, t_min, hit_t)
        if t < hit_t:
            hit_t = t
            hit_object = i
    nodes = scene.nodes
    if len(nodes) > 0:
        indices = scene.indices
        inv = (reciprocal(d[0]), reciprocal(d[1]), reciprocal(d[2]))
        negative = (d[0] < 0.0, d[1] < 0.0, d[2] < 0.0)
        stack = []
        node = 0
        while True:
            k = node * 9
            if slabs(nodes, k, o, inv, t_min, hit_t) != INF:
                count = nodes[k + 7]
                if count > 0:
                    first = nodes[k + 6]
                    for j in range(first, first + count):
                        i = indices[j]
                        t = intersect(objects[i], o, d, t_min, hit_t)
                        if t < hit_t:
                            hit_t = t
                            hit_object = i
                else:
                    # Visit the child on the ray's side of the split first.
                    near_child = node + 1
                    far_child = nodes[k + 6]
                    if negative[nodes[k + 8]]:
                        near_child, far_child = far_child, near_child
                    stack.append(far_child)
                    node = near_child
                    continue
            if len(stack) == 0:
                break
            node = stack.pop()
    if hit_object < 0:
        return (INF, -1)
    return (hit_t, hit_object)


def occluded(scene, o, d, t_min, t_max):
    objects = scene.objects
    for i in scene.unbounded:
        if intersect(objects[i], o, d, t_min, t_max) != INF:
            return True
    nodes = scene.nodes
    if len(nodes) == 0:
        return False
    indices = scene.indices
    inv = (reciprocal(d[0]), reciprocal(d[1]), reciprocal(d[2]))
    stack = []
    node = 0
    while True:
        k = node * 9
        if slabs(nodes, k, o, inv, t_min, t_max) != INF:
            count = nodes[k + 7]
            if count > 0:
                first = nodes[k + 6]
                for j in range(first, first + count):
                    if intersect(objects[indices[j]], o, d, t_min, t_max) != INF:
                        return True
            else:
                stack.append(nodes[k + 6])
                node = node + 1
                continue
        if len(stack) == 0:
            break
        node = stack.pop()
    return False


# ---- shading (whitted.h) ----

def surface_offset(p):
    return 1e-4 * (1.0 + max(abs(p[0]), max(abs(p[1]), abs(p[2]))))


def surface_color(m, obj, p):
    size = m.checker_size
    if size <= 0.0:
        return m.color
    if obj.kind == PLANE:
        n = obj.normal
        if abs(n[0]) > 0.9:
            a = (0.0, 1.0, 0.0)
        else:
            a = (1.0, 0.0, 0.0)
        t = normalize(cross(a, n))
        b = cross(n, t)
        r = sub(p, obj.center)
        cells = math.floor(dot(r, t) / size) + math.floor(dot(r, b) / size)
    else:
        cells = math.floor(p[0] / size) + math.floor(p[1] / size) + math.floor(p[2] / size)
    if cells % 2 == 1:
        return m.checker_color
    return m.color


def schlick_reflectance(cos_incident, eta, ior):
    sin2_t = eta * eta * (1.0 - cos_incident * cos_incident)
    if sin2_t > 1.0:
        return 1.0
    # Leaving the denser medium, Schlick must use the transmitted angle.
    if eta > 1.0:
        cos_term = math.sqrt(1.0 - sin2_t)
    else:
        cos_term = cos_incident
    r0 = (1.0 - ior) / (1.0 + ior)
    r0 = r0 * r0
    k = 1.0 - cos_term
    return r0 + (1.0 - r0) * k * k * k * k * k


def trace(scene, o, d, depth):
    global ray_count
    ray_count += 1
    hit = closest_hit(scene, o, d, 0.0, INF)
    index = hit[1]
    if index < 0:
        return scene.background
    obj = scene.objects[index]
    m = scene.materials[obj.material]
    p = add(o, scale(d, hit[0]))
    outward = surface_normal(obj, p)
    entering = dot(d, outward) < 0.0
    if entering:
        n = outward
    else:
        n = (-outward[0], -outward[1], -outward[2])
    offset = surface_offset(p)
    above = add(p, scale(n, offset))

    base = surface_color(m, obj, p)
    color = scale(base, m.ambient)
    lights = scene.lights
    for i in range(scene.light_count):
        light = lights[i]
        to_light = sub(light.position, above)
        distance = math.sqrt(dot(to_light, to_light))
        if not distance > 0.0:
            continue
        l = (to_light[0] / distance, to_light[1] / distance, to_light[2] / distance)
        n_dot_l = dot(n, l)
        if n_dot_l <= 0.0:
            continue
        ray_count += 1
        if occluded(scene, above, l, 0.0, distance):
            continue
        contribution = scale(base, m.diffuse * n_dot_l)
        specular = m.specular
        if specular > 0.0:
            h = normalize(sub(l, d))
            highlight = specular * max(dot(n, h), 0.0) ** m.shininess
            contribution = (contribution[0] + highlight, contribution[1] + highlight, contribution[2] + highlight)
        color = add(color, mul(light.color, contribution))

    if depth >= scene.max_depth:
        return color
    reflected = sub(d, scale(n, 2.0 * dot(d, n)))
    transparency = m.transparency
    if transparency > 0.0:
        ior = m.ior
        if entering:
            eta = 1.0 / ior
        else:
            eta = ior
        cos_i = -dot(d, n)
        fresnel = schlick_reflectance(cos_i, eta, ior)
        glass = scale(trace(scene, above, normalize(reflected), depth + 1), fresnel)
        if fresnel < 1.0:
            k = 1.0 - eta * eta * (1.0 - cos_i * cos_i)
            refracted = normalize(add(scale(d, eta), scale(n, eta * cos_i - math.sqrt(k))))
            below = sub(p, scale(n, offset))
            glass = add(glass, scale(trace(scene, below, refracted, depth + 1), 1.0 - fresnel))
        color = add(scale(color, 1.0 - transparency), scale(glass, transparency))
    else:
        reflectivity = m.reflectivity
        if reflectivity > 0.0:
            color = add(color, scale(trace(scene, above, normalize(reflected), depth + 1), reflectivity))
    return color


# ---- the camera (camera.h) and the pixel entry points ----

def make_camera(scene, width, height):
    """Read once per unit, as the native kernel does."""
    cam = scene.camera
    position = cam.position
    forward = normalize(sub(cam.look_at, position))
    right = normalize(cross(forward, cam.up))
    up = cross(right, forward)
    half_height = math.tan(cam.vfov_degrees * 0.5 * 3.14159265358979 / 180.0)
    half_width = half_height * width / height
    return (position, forward, scale(right, half_width), scale(up, half_height), 1.0 / width, 1.0 / height)


def trace_pixel(scene, camera, x, y):
    origin, forward, right, up, inv_width, inv_height = camera
    u = 2.0 * (x + 0.5) * inv_width - 1.0
    v = 1.0 - 2.0 * (y + 0.5) * inv_height
    d = normalize(add(add(forward, scale(right, u)), scale(up, v)))
    return trace(scene, origin, d, 0)


if __name__ == "__main__":
    # Standalone driver for calibration (python3 / pypy3): not part of the
    # subset and never compiled by txray. Reads the scene txray exported
    # (interp::kernel_scene_json), renders it with N threads over 16x16
    # tiles, prints frames per second, optionally writes linear RGB.
    import argparse
    import json
    import sys
    import threading
    import time
    from types import SimpleNamespace

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scene_json")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--frames", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=0)
    parser.add_argument("--tile", type=int, default=16)
    parser.add_argument("--out", help="write 'r g b' per pixel, rows top-down")
    args = parser.parse_args()

    with open(args.scene_json) as f:
        data = json.load(f)

    def ns(d):
        return SimpleNamespace(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})

    width, height = data["width"], data["height"]
    scene = SimpleNamespace(
        objects=[ns(o) for o in data["objects"]],
        materials=[ns(m) for m in data["materials"]],
        lights=[ns(light) for light in data["lights"]],
        light_count=len(data["lights"]),
        camera=ns(data["camera"]),
        background=tuple(data["background"]),
        max_depth=data["max_depth"],
        nodes=data["nodes"],
        indices=data["indices"],
        unbounded=data["unbounded"],
    )
    tiles = [(x0, y0, min(x0 + args.tile, width), min(y0 + args.tile, height))
             for y0 in range(0, height, args.tile) for x0 in range(0, width, args.tile)]
    image = [None] * (width * height)

    def render_frame(threads):
        cursor = [0]
        lock = threading.Lock()

        def worker():
            while True:
                with lock:
                    k = cursor[0]
                    cursor[0] += 1
                if k >= len(tiles):
                    return
                x0, y0, x1, y1 = tiles[k]
                camera = make_camera(scene, width, height)
                for y in range(y0, y1):
                    for x in range(x0, x1):
                        image[y * width + x] = trace_pixel(scene, camera, x, y)

        pool = [threading.Thread(target=worker) for _ in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()

    for _ in range(args.warmup):
        render_frame(args.threads)
    start = time.perf_counter()
    for _ in range(args.frames):
        render_frame(args.threads)
    seconds = time.perf_counter() - start
    print("fps %.6f frames %d seconds %.6f threads %d runtime %s %s" % (
        args.frames / seconds, args.frames, seconds, args.threads,
        sys.implementation.name, sys.version.split()[0]))
    if args.out:
        with open(args.out, "w") as f:
            for c in image:
                f.write("%r %r %r\n" % c)
