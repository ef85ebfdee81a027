// Writes bunny.obj and bunny-dense.obj from the npm package `bunny` (the
// Stanford bunny, public domain; see ../README.md):
//
//   npm pack bunny && tar xzf bunny-1.0.1.tgz
//   node assets/models/make_bunny.js package/index.js assets/models
//
// bunny.obj is the package's mesh as it is (flat shaded: no normals).
// bunny-dense.obj is that mesh after two steps of Loop subdivision (Loop,
// "Smooth Subdivision Surfaces Based on Triangles", 1987), 16 times the
// triangles on a smoother surface, with area-weighted vertex normals.
'use strict';
const fs = require('fs');
const path = require('path');

const [, , source, outDir] = process.argv;
if (!source || !outDir) {
  console.error('usage: node make_bunny.js <bunny package index.js> <output folder>');
  process.exit(2);
}
const bunny = require(path.resolve(source));

function loop(positions, cells) {
  const edges = new Map();  // "a,b" (a < b) -> {mid, opposite: [...]}
  const key = (a, b) => (a < b ? a + ',' + b : b + ',' + a);
  const neighbours = positions.map(() => new Set());
  for (const [a, b, c] of cells) {
    for (const [u, v, w] of [[a, b, c], [b, c, a], [c, a, b]]) {
      const k = key(u, v);
      if (!edges.has(k)) edges.set(k, { u, v, opposite: [] });
      edges.get(k).opposite.push(w);
      neighbours[u].add(v);
      neighbours[v].add(u);
    }
  }
  const boundary = positions.map(() => []);
  for (const e of edges.values())
    if (e.opposite.length !== 2) {
      boundary[e.u].push(e.v);
      boundary[e.v].push(e.u);
    }
  const out = positions.map((p, i) => {
    if (boundary[i].length === 2) {
      const [b1, b2] = boundary[i].map((j) => positions[j]);
      return p.map((x, k) => 0.75 * x + 0.125 * (b1[k] + b2[k]));
    }
    if (boundary[i].length > 0) return p.slice();  // a corner of several boundaries: kept
    const n = neighbours[i].size;
    const beta = n === 3 ? 3 / 16 : 3 / (8 * n);
    const sum = [0, 0, 0];
    for (const j of neighbours[i]) for (let k = 0; k < 3; ++k) sum[k] += positions[j][k];
    return p.map((x, k) => (1 - n * beta) * x + beta * sum[k]);
  });
  for (const e of edges.values()) {
    const a = positions[e.u], b = positions[e.v];
    let p;
    if (e.opposite.length === 2) {
      const c = positions[e.opposite[0]], d = positions[e.opposite[1]];
      p = a.map((x, k) => 0.375 * (x + b[k]) + 0.125 * (c[k] + d[k]));
    } else {
      p = a.map((x, k) => 0.5 * (x + b[k]));
    }
    e.mid = out.length;
    out.push(p);
  }
  const faces = [];
  for (const [a, b, c] of cells) {
    const ab = edges.get(key(a, b)).mid, bc = edges.get(key(b, c)).mid, ca = edges.get(key(c, a)).mid;
    faces.push([a, ab, ca], [b, bc, ab], [c, ca, bc], [ab, bc, ca]);
  }
  return [out, faces];
}

function vertexNormals(positions, cells) {
  const normals = positions.map(() => [0, 0, 0]);
  for (const [a, b, c] of cells) {
    const p = positions[a], q = positions[b], r = positions[c];
    const e1 = [q[0] - p[0], q[1] - p[1], q[2] - p[2]], e2 = [r[0] - p[0], r[1] - p[1], r[2] - p[2]];
    const n = [e1[1] * e2[2] - e1[2] * e2[1], e1[2] * e2[0] - e1[0] * e2[2], e1[0] * e2[1] - e1[1] * e2[0]];
    for (const v of [a, b, c]) for (let k = 0; k < 3; ++k) normals[v][k] += n[k];  // |n| = twice the area
  }
  return normals.map((n) => {
    const l = Math.hypot(n[0], n[1], n[2]);
    return l > 0 ? n.map((x) => x / l) : [0, 1, 0];
  });
}

const num = (x) => Number(x.toFixed(6)).toString();
function write(file, header, positions, cells, normals) {
  const lines = header.map((h) => '# ' + h);
  for (const p of positions) lines.push('v ' + p.map(num).join(' '));
  if (normals) for (const n of normals) lines.push('vn ' + n.map(num).join(' '));
  for (const c of cells)
    lines.push('f ' + c.map((i) => (normals ? `${i + 1}//${i + 1}` : `${i + 1}`)).join(' '));
  fs.writeFileSync(file, lines.join('\n') + '\n');
  console.log(`${file}: ${positions.length} vertices, ${cells.length} triangles`);
}

const credit = [
  'The Stanford bunny (Stanford University Computer Graphics Laboratory, 1994),',
  'from the npm package "bunny" 1.0.1 by Mikola Lysenko, public domain.',
];
write(path.join(outDir, 'bunny.obj'), credit.concat(['Written by make_bunny.js.']), bunny.positions, bunny.cells, null);
let [p, c] = [bunny.positions, bunny.cells];
for (let step = 0; step < 2; ++step) [p, c] = loop(p, c);
write(path.join(outDir, 'bunny-dense.obj'),
      credit.concat(['Two steps of Loop subdivision and area-weighted vertex normals, written by make_bunny.js.']),
      p, c, vertexNormals(p, c));
