// Wavefront OBJ -> MeshData. tinyobjloader (Debian's libtinyobjloader-dev)
// reads the file; before it does, one pass over the text checks what it lets
// through silently (it reads "nan" or "abc" as 0, and does not check face
// indices), so that every refusal names the file and the line.
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <tiny_obj_loader.h>

#include "scenes/scene.h"

namespace txray {
namespace {

[[noreturn]] void fail_line(std::string_view source, std::size_t line, const std::string& problem) {
  throw SceneError(std::string(source) + ": line " + std::to_string(line) + ": " + problem);
}

std::vector<std::string_view> tokens(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

std::string shown(std::string_view token) {
  return "\"" + std::string(token.substr(0, 32)) + (token.size() > 32 ? "...\"" : "\"");
}

// Counts of what the file has declared so far: OBJ indices refer backwards.
struct Counts {
  std::size_t v = 0, vt = 0, vn = 0;
  std::size_t triangles = 0;
};

void check_number(std::string_view source, std::size_t line, std::string_view token) {
  double value = 0.0;
  const char* end = token.data() + token.size();
  const auto [ptr, ec] = std::from_chars(token.data(), end, value);
  if (ec == std::errc::result_out_of_range) fail_line(source, line, "number " + shown(token) + " is out of range");
  if (ec != std::errc{} || ptr != end) fail_line(source, line, "expected a number, got " + shown(token));
  if (!std::isfinite(value)) fail_line(source, line, "coordinate " + shown(token) + " is not finite");
  if (std::fabs(value) > kMaxSceneMagnitude)
    fail_line(source, line, "coordinate " + shown(token) + " is out of range (within -1e6..1e6)");
}

// One index of a face corner: 1-based, or negative counting back from the
// last one declared; 0 and anything past the count are refused.
void check_index(std::string_view source, std::size_t line, std::string_view token, std::size_t available,
                 const char* what, const char* plural) {
  long long value = 0;
  const char* end = token.data() + token.size();
  const auto [ptr, ec] = std::from_chars(token.data(), end, value);
  if (ec != std::errc{} || ptr != end) fail_line(source, line, "malformed face: " + shown(token) + " is not an index");
  const long long n = static_cast<long long>(available);
  if (value == 0 || value > n || value < -n) {
    fail_line(source, line,
              std::string(what) + " index " + std::to_string(value) + " is out of range (" + std::to_string(available) +
                  " " + (available == 1 ? what : plural) + " declared before this line)");
  }
}

void check_text(std::string_view text, std::string_view source) {
  Counts counts;
  std::size_t line_number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (line.find('\0') != std::string_view::npos) fail_line(source, line_number, "the file is not text (NUL byte)");
    const std::vector<std::string_view> t = tokens(line);
    if (t.empty() || t[0].starts_with('#')) continue;
    if (t[0] == "v" || t[0] == "vn") {
      // v x y z [w] or v x y z r g b; vn x y z.
      const bool normal = t[0] == "vn";
      const std::size_t n = t.size() - 1;
      if (normal ? n != 3 : (n != 3 && n != 4 && n != 6)) {
        fail_line(source, line_number,
                  std::string(normal ? "a vertex normal needs 3 numbers" : "a vertex needs 3 numbers (or 4, or 6 with a colour)") +
                      ", got " + std::to_string(n));
      }
      for (std::size_t k = 1; k < t.size(); ++k) check_number(source, line_number, t[k]);
      ++(normal ? counts.vn : counts.v);
    } else if (t[0] == "vt") {
      for (std::size_t k = 1; k < t.size(); ++k) check_number(source, line_number, t[k]);
      ++counts.vt;
    } else if (t[0] == "f") {
      if (t.size() < 4) fail_line(source, line_number, "malformed face: it needs at least 3 vertices, got " + std::to_string(t.size() - 1));
      if (t.size() > 256) fail_line(source, line_number, "a face has " + std::to_string(t.size() - 1) + " corners, over the limit of 255");
      for (std::size_t k = 1; k < t.size(); ++k) {
        // v, v/vt, v//vn or v/vt/vn
        const std::string_view corner = t[k];
        const std::size_t s1 = corner.find('/');
        check_index(source, line_number, corner.substr(0, s1), counts.v, "vertex", "vertices");
        if (s1 == std::string_view::npos) continue;
        const std::size_t s2 = corner.find('/', s1 + 1);
        const std::string_view vt = corner.substr(s1 + 1, s2 == std::string_view::npos ? std::string_view::npos : s2 - s1 - 1);
        if (!vt.empty()) check_index(source, line_number, vt, counts.vt, "texture coordinate", "texture coordinates");
        if (s2 == std::string_view::npos) {
          if (vt.empty()) fail_line(source, line_number, "malformed face: " + shown(corner) + " has an empty texture index");
          continue;
        }
        const std::string_view vn = corner.substr(s2 + 1);
        if (vn.find('/') != std::string_view::npos || vn.empty())
          fail_line(source, line_number, "malformed face: " + shown(corner) + " is not v, v/vt, v//vn or v/vt/vn");
        check_index(source, line_number, vn, counts.vn, "normal", "normals");
      }
      counts.triangles += t.size() - 3;  // a polygon becomes a fan
      if (counts.triangles > kMaxMeshTriangles) {
        fail_line(source, line_number,
                  "the mesh has more than " + std::to_string(kMaxMeshTriangles) + " triangles, over the limit");
      }
    } else if (t[0] == "mtllib" || t[0] == "usemtl" || t[0] == "o" || t[0] == "g" || t[0] == "s" || t[0] == "l" ||
               t[0] == "p") {
      // Grouping, smoothing groups, materials, lines and points: not ours to
      // use (the scene gives the material), harmless to skip.
    } else {
      fail_line(source, line_number, "unknown statement " + shown(t[0]) + " (known: v, vt, vn, f, o, g, s, l, p, mtllib, usemtl)");
    }
  }
  if (counts.triangles == 0) throw SceneError(std::string(source) + ": the file has no faces");
}

}  // namespace

MeshData parse_obj(std::string_view text, std::string_view source) {
  if (text.size() > kMaxMeshFileBytes) {
    throw SceneError(std::string(source) + ": mesh file is " + std::to_string(text.size()) +
                     " bytes, over the limit of " + std::to_string(kMaxMeshFileBytes));
  }
  check_text(text, source);
  std::istringstream in{std::string(text)};
  tinyobj::attrib_t attrib;
  std::vector<tinyobj::shape_t> shapes;
  std::vector<tinyobj::material_t> materials;
  std::string warn, err;
  // No material reader: the scene gives the material. No triangulation:
  // polygons are fanned below, in the file's corner order.
  if (!tinyobj::LoadObj(&attrib, &shapes, &materials, &warn, &err, &in, nullptr, false, false)) {
    throw SceneError(std::string(source) + ": " + (err.empty() ? "tinyobjloader could not read it" : err.substr(0, err.find('\n'))));
  }
  MeshData mesh;
  mesh.file = std::string(source);
  const std::size_t vertices = attrib.vertices.size() / 3;
  mesh.positions.reserve(vertices);
  for (std::size_t i = 0; i < vertices; ++i)
    mesh.positions.emplace_back(attrib.vertices[3 * i], attrib.vertices[3 * i + 1], attrib.vertices[3 * i + 2]);
  const std::size_t normals = attrib.normals.size() / 3;
  mesh.normals.reserve(normals);
  for (std::size_t i = 0; i < normals; ++i)
    mesh.normals.emplace_back(attrib.normals[3 * i], attrib.normals[3 * i + 1], attrib.normals[3 * i + 2]);
  bool any_normal = false;
  for (const tinyobj::shape_t& shape : shapes) {
    std::size_t offset = 0;
    for (const unsigned char corners : shape.mesh.num_face_vertices) {
      const tinyobj::index_t* f = shape.mesh.indices.data() + offset;
      offset += corners;
      for (unsigned k = 1; k + 1 < corners; ++k) {
        const tinyobj::index_t* c[3] = {&f[0], &f[k], &f[k + 1]};
        std::array<std::uint32_t, 3> tri{}, nor{};
        for (int j = 0; j < 3; ++j) {
          // check_text has refused every index tinyobjloader could resolve
          // out of range; this guards against the two disagreeing.
          if (c[j]->vertex_index < 0 || static_cast<std::size_t>(c[j]->vertex_index) >= vertices ||
              c[j]->normal_index >= static_cast<int>(normals)) {
            throw SceneError(std::string(source) + ": tinyobjloader resolved an index out of range");
          }
          tri[j] = static_cast<std::uint32_t>(c[j]->vertex_index);
          nor[j] = c[j]->normal_index < 0 ? kNoNormal : static_cast<std::uint32_t>(c[j]->normal_index);
          any_normal = any_normal || c[j]->normal_index >= 0;
        }
        mesh.triangles.push_back(tri);
        mesh.normal_indices.push_back(nor);
      }
    }
  }
  if (!any_normal) mesh.normal_indices.clear();
  return mesh;
}

MeshData load_obj_file(const std::filesystem::path& path, std::string_view source) {
  const std::string name(source);
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) throw SceneError(name + ": cannot read the mesh file: no such file");
  if (!std::filesystem::is_regular_file(status)) throw SceneError(name + ": is not a regular file");
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw SceneError(name + ": cannot read the mesh file: " + ec.message());
  if (size > kMaxMeshFileBytes) {
    throw SceneError(name + ": mesh file is " + std::to_string(size) + " bytes, over the limit of " +
                     std::to_string(kMaxMeshFileBytes));
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SceneError(name + ": cannot open the mesh file: " + (errno ? std::strerror(errno) : "unknown error"));
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  if (static_cast<std::size_t>(in.gcount()) != size) throw SceneError(name + ": error while reading the mesh file");
  return parse_obj(text, source);
}

}  // namespace txray
