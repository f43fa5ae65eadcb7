// SPDX-License-Identifier: MIT
// Diagrams for the slides, generated from what make slides-measure measured
// on this machine (build/slides/measure/): timelines from span traces, and
// charts of the speedups and costs the labs' speedup checks printed. Writes
// build/slides/diagrams/*.svg. Nothing here is drawn by hand; the timelines
// are drawn by the grader (grader trace).
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT } from './includes.mjs';

const MEASURE = path.join(ROOT, 'build/slides/measure');
const OUT = path.join(ROOT, 'build/slides/diagrams');
fs.mkdirSync(OUT, { recursive: true });

const FONT = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';
const INK = '#1b2330', MUTED = '#5a6472', GRID = '#dde3ea';
const COLOR = { cpu: '#2e6da4', io: '#e39b2d', busy: '#9aa5b1', other: '#6b8e23' };
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const readJson = (f) => { try { return JSON.parse(fs.readFileSync(f, 'utf8')); } catch { return null; } };

const machine = readJson(path.join(MEASURE, 'machine.json'));
if (!machine) {
    console.error('slides: no measurements in build/slides/measure: run make slides-measure');
    process.exit(1);
}
const where = `measured on ${machine.cpu}, ${machine.cpus} CPUs, ${machine.kernel}, ${machine.date}`;

function svg(w, h, body) {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" ` +
        `font-family="${FONT}" fill="${INK}">\n<rect width="${w}" height="${h}" fill="#fff"/>\n${body}\n</svg>\n`;
}
function text(x, y, s, attrs = '') { return `<text x="${x}" y="${y}" ${attrs}>${esc(s)}</text>`; }
function niceStep(range, ticks) {
    const raw = range / ticks, p = 10 ** Math.floor(Math.log10(raw));
    return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) || raw;
}
let written = 0;
function write(name, content) { fs.writeFileSync(path.join(OUT, name), content); written++; }

// ---- timelines -----------------------------------------------------------
// The harness's spans files (trace-NAME.spans), drawn by the grader's own
// renderer (`grader trace`), the one that draws the students' TRACE=1
// timelines: one format, one renderer.

const NOTE = {
    'cpu-gil': 'one lane at a time: the GIL passes from thread to thread, never shared',
    'cpu-free': 'both lanes at once: two threads, two CPUs',
    'io-gil': 'the waits overlap: each thread drops the GIL around its I/O',
    green: 'one lane at a time: each coroutine runs until it yields',
    procs: 'two lanes at once: each worker process on its own CPU',
};

// Timelines drawn to be compared share one time axis (the longer run's).
const SAME_AXIS = [['cpu-gil', 'cpu-free']];
const GRADER = path.join(ROOT, 'build/bin/grader');

const traces = fs.readdirSync(MEASURE).filter((f) => /^trace-.*\.spans$/.test(f));
for (const f of traces) {
    const name = f.replace(/^trace-(.*)\.spans$/, '$1');
    const group = SAME_AXIS.find((g) => g.includes(name)) || [];
    const axis = group.filter((o) => o !== name && traces.includes(`trace-${o}.spans`))
        .flatMap((o) => ['--axis-of', path.join(MEASURE, `trace-${o}.spans`)]);
    const note = `${NOTE[name] ? NOTE[name] + '; ' : ''}${where}`;
    const r = spawnSync(GRADER, ['trace', path.join(MEASURE, f), path.join(OUT, `timeline-${name}.svg`),
        '--note', note, ...axis], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) {
        console.error(`slides: grader trace ${f} failed (exit ${r.status})`);
        process.exit(1);
    }
    written++;
}

// ---- what the speedup checks measured ------------------------------------

const notes = [];
for (const lab of fs.readdirSync(MEASURE)) {
    const r = readJson(path.join(MEASURE, lab, 'results.json'));
    if (!r) continue;
    for (const t of r.tests || []) {
        if (!(t.tags || []).includes('check:speedup')) continue;
        notes.push({ lab, test: String(t.name).replace(/^.*: /, '').replace(/ \[.*$/, ''),
            status: t.status, output: String(t.output || '') });
    }
}
const note = (test) => notes.find((n) => n.test === test);

// Speedups: how many times faster N workers did the same work.
const SPEEDUPS = [
    { test: 'test_pool_io_speedup', label: '8 threads, simulated I/O', kind: 'io', ideal: 8 },
    { test: 'test_many_speedup', label: '4 processes, sleeping commands', kind: 'io', ideal: 4 },
    { test: 'test_gil_io_bound_speedup', label: '4 threads under a GIL, I/O', kind: 'io', ideal: 4 },
    { test: 'test_pmap_cpu_speedup', label: '2 threads, CPU-bound', kind: 'cpu', ideal: 2 },
    { test: 'test_pool_cpu_speedup', label: '2 processes, CPU-bound', kind: 'cpu', ideal: 2 },
    { test: 'test_gil_cpu_bound_no_speedup', label: '2 threads under a GIL, CPU-bound', kind: 'cpu', ideal: 2 },
];

function ratioOf(n) {
    const m = n.output.match(/yours ([\d.]+)x/) || n.output.match(/([\d.]+)x/);
    return m ? Number(m[1]) : null;
}

const rows = [];
for (const s of SPEEDUPS) {
    const n = note(s.test);
    if (!n) continue;
    const ratio = ratioOf(n);
    if (ratio === null) continue;
    const busy = /inconclusive|machine busy/.test(n.output);
    const skipped = /skipped/.test(n.output) && !busy;
    rows.push({ ...s, ratio, busy: busy || skipped, lab: n.lab });
}

if (rows.length) {
    const W = 1160, left = 380, right = 150, top = 70, rowH = 50;
    const H = top + rows.length * rowH + 80;
    const max = Math.max(8, ...rows.map((r) => Math.max(r.ratio, r.ideal)));
    const x = (v) => left + (v / max) * (W - left - right);
    const parts = [text(20, 32, 'Speedup over one worker, same work, same run', 'font-size="22" font-weight="bold"'),
        text(20, 56, 'bars: measured by the labs\' speedup checks on the reference solutions; ticks: the ideal (N workers)',
            `font-size="15" fill="${MUTED}"`)];
    for (let v = 0; v <= max; v += niceStep(max, 8)) {
        parts.push(`<line x1="${x(v)}" y1="${top - 6}" x2="${x(v)}" y2="${top + rows.length * rowH}" stroke="${GRID}"/>`);
        parts.push(text(x(v), top + rows.length * rowH + 20, `${v}×`, `font-size="15" text-anchor="middle" fill="${MUTED}"`));
    }
    rows.forEach((r, i) => {
        const y = top + i * rowH;
        parts.push(text(left - 14, y + 30, r.label, 'font-size="18" text-anchor="end"'));
        parts.push(text(left - 14, y + 46, `lab ${r.lab.slice(0, 2)}`, `font-size="12" text-anchor="end" fill="${MUTED}"`));
        const fill = r.busy ? COLOR.busy : COLOR[r.kind];
        parts.push(`<rect x="${left}" y="${y + 10}" width="${Math.max(x(r.ratio) - left, 2)}" height="28" fill="${fill}" rx="2"/>`);
        parts.push(`<line x1="${x(r.ideal)}" y1="${y + 4}" x2="${x(r.ideal)}" y2="${y + 44}" stroke="${INK}" stroke-width="3"/>`);
        const label = `${r.ratio.toFixed(2)}×` + (r.busy ? ' (machine busy)' : '');
        parts.push(text(Math.max(x(r.ratio), x(r.ideal)) + 10, y + 30, label, 'font-size="18" font-weight="bold"'));
    });
    const ly = top + rows.length * rowH + 56;
    parts.push(`<rect x="20" y="${ly - 13}" width="18" height="14" fill="${COLOR.io}"/>` + text(44, ly, 'I/O-bound', 'font-size="15"'));
    parts.push(`<rect x="140" y="${ly - 13}" width="18" height="14" fill="${COLOR.cpu}"/>` + text(164, ly, 'CPU-bound', 'font-size="15"'));
    parts.push(`<rect x="266" y="${ly - 13}" width="18" height="14" fill="${COLOR.busy}"/>` + text(290, ly, 'inconclusive: other work on the CPUs', 'font-size="15"'));
    parts.push(text(W - 20, ly, where, `font-size="13" text-anchor="end" fill="${MUTED}"`));
    write('speedups.svg', svg(W, H, parts.join('\n')));
}

// Costs: what one unit of each kind of concurrency costs, on a log scale.
const COSTS = [
    { test: 'test_count_padded_beats_mutex', re: /per-thread, padded: ([\d.]+) ns/, label: 'add to a private counter', unit: 'ns' },
    { test: 'test_count_padded_beats_mutex', re: /one atomic: ([\d.]+) ns/, label: 'atomic add, shared counter', unit: 'ns' },
    { test: 'test_count_padded_beats_mutex', re: /global mutex: ([\d.]+) ns/, label: 'add under a shared mutex', unit: 'ns' },
    { test: 'test_coro_switch_cheaper_than_thread', re: /coroutine ([\d.]+) ns/, label: 'switch coroutines (lab 05)', unit: 'ns' },
    { test: 'test_coro_switch_cheaper_than_swapcontext', re: /swapcontext ([\d.]+) ns/, label: 'switch with swapcontext', unit: 'ns' },
    { test: 'test_coro_switch_cheaper_than_thread', re: /thread \(condvar ping-pong\) ([\d.]+) ns/, label: 'switch threads (condvar)', unit: 'ns' },
    { test: 'test_cost_process_vs_thread', re: /a thread ([\d.]+) us/, label: 'start and join a thread', unit: 'us' },
    { test: 'test_cost_process_vs_thread', re: /a process ([\d.]+) us/, label: 'fork and reap a process', unit: 'us' },
];
const costs = [];
for (const c of COSTS) {
    const n = note(c.test);
    const m = n && n.output.match(c.re);
    if (m) costs.push({ ...c, ns: Number(m[1]) * (c.unit === 'us' ? 1000 : 1), lab: n.lab });
}
if (costs.length) {
    const W = 1160, left = 360, right = 140, top = 70, rowH = 44;
    const H = top + costs.length * rowH + 70;
    const lo = 0, hi = Math.ceil(Math.log10(Math.max(...costs.map((c) => c.ns)) * 1.5));
    const x = (ns) => left + ((Math.log10(Math.max(ns, 1)) - lo) / (hi - lo)) * (W - left - right);
    const fmt = (ns) => (ns >= 1000 ? `${(ns / 1000).toFixed(ns >= 10000 ? 0 : 1)} µs` : `${ns >= 100 ? ns.toFixed(0) : ns.toFixed(1)} ns`);
    const parts = [text(20, 32, 'What one operation costs (log scale)', 'font-size="22" font-weight="bold"'),
        text(20, 56, 'each number is a best-of-N measured by a lab\'s own check, on the reference solutions', `font-size="15" fill="${MUTED}"`)];
    for (let e = lo; e <= hi; e++) {
        parts.push(`<line x1="${x(10 ** e)}" y1="${top - 6}" x2="${x(10 ** e)}" y2="${top + costs.length * rowH}" stroke="${GRID}"/>`);
        parts.push(text(x(10 ** e), top + costs.length * rowH + 20, fmt(10 ** e).replace('.0', ''), `font-size="15" text-anchor="middle" fill="${MUTED}"`));
    }
    costs.forEach((c, i) => {
        const y = top + i * rowH;
        const kind = /process/.test(c.label) ? COLOR.io : /thread/.test(c.label) ? COLOR.cpu : COLOR.other;
        parts.push(text(left - 14, y + 28, c.label, 'font-size="18" text-anchor="end"'));
        parts.push(`<rect x="${left}" y="${y + 8}" width="${Math.max(x(c.ns) - left, 2)}" height="26" fill="${kind}" rx="2"/>`);
        parts.push(text(x(c.ns) + 10, y + 28, fmt(c.ns), 'font-size="18" font-weight="bold"'));
    });
    const ly = top + costs.length * rowH + 52;
    [[COLOR.other, 'in one thread'], [COLOR.cpu, 'threads'], [COLOR.io, 'processes']].forEach(([c, l], i) => {
        parts.push(`<rect x="${20 + i * 150}" y="${ly - 13}" width="18" height="14" fill="${c}"/>` +
            text(44 + i * 150, ly, l, 'font-size="15"'));
    });
    parts.push(text(W - 20, ly, where, `font-size="13" text-anchor="end" fill="${MUTED}"`));
    write('costs.svg', svg(W, H, parts.join('\n')));
}

console.log(`slides: ${written} diagrams from ${traces.length} traces and ${notes.length} speedup checks -> build/slides/diagrams/`);
