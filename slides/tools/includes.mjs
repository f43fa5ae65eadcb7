// SPDX-License-Identifier: MIT
// Code on slides is quoted from the real files: an include directive names a
// file and its lines, and the fenced block after it holds a copy (so the .md
// reads well on GitHub). check: every include resolves and no copy has
// drifted; sync: refresh the copies; expand: the deck with the real lines,
// for the renderer. Plain Node, no packages: `make check` runs it.
//
//   node slides/tools/includes.mjs check [deck.md ...]
//   node slides/tools/includes.mjs sync  [deck.md ...]
//
// The syntax is defined in slides/README.md.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// <!-- include: labs/02-threads/gil.h:48-57 -->   lines 48 to 57
// <!-- include: labs/02-threads/gil.h:48 -->      line 48 alone
// <!-- include: labs/02-threads/gil.h -->         the whole file
// <!-- include: harness/harness.h#trace -->       between marker lines
const DIRECTIVE = /^\s*<!--\s*include:?\s+(\S+?)(?::(\d+)(?:-(\d+))?|#([\w.-]+))?\s*-->\s*$/;
const LOOSE = /^\s*<!--\s*include\b/;
const FENCE = /^(\s*)(`{3,}|~{3,})(.*)$/;
const AFTER_DEADLINE = /^\s*<!--\s*deck:\s*after-deadline\s*-->\s*$/m;

const LANG = { '.c': 'c', '.h': 'c', '.S': 'asm', '.s': 'asm', '.sh': 'bash',
    '.mk': 'makefile', '.ini': 'ini', '.py': 'python', '.json': 'json' };

const fileCache = new Map();
function readLines(rel) {
    if (!fileCache.has(rel)) {
        const abs = path.join(ROOT, rel);
        let lines = null;
        try {
            const text = fs.readFileSync(abs, 'utf8');
            lines = text.split('\n');
            if (lines.length && lines[lines.length - 1] === '') lines.pop();
        } catch { /* reported by the caller */ }
        fileCache.set(rel, lines);
    }
    return fileCache.get(rel);
}

// The lines an include names: { lines, start, end } or { error }.
function resolve(inc) {
    const rel = path.normalize(inc.file);
    if (path.isAbsolute(inc.file) || rel.startsWith('..'))
        return { error: `${inc.file}: give a path inside the repository, relative to its top` };
    const lines = readLines(rel);
    if (!lines) return { error: `${inc.file}: no such file` };
    if (inc.marker) {
        const begin = lines.findIndex((l) => l.includes(`slide-begin: ${inc.marker}`));
        const end = lines.findIndex((l, i) => i > begin && l.includes(`slide-end: ${inc.marker}`));
        if (begin < 0 || end < 0)
            return { error: `${inc.file}: no lines marked "slide-begin: ${inc.marker}" ... "slide-end: ${inc.marker}"` };
        return { lines: lines.slice(begin + 1, end), start: begin + 2, end };
    }
    if (inc.start === undefined) return { lines, start: 1, end: lines.length };
    const end = inc.end ?? inc.start;
    if (inc.start < 1 || end < inc.start)
        return { error: `${inc.file}:${inc.start}-${end}: not a range of lines` };
    if (end > lines.length)
        return { error: `${inc.file}:${inc.start}-${end}: the file has only ${lines.length} lines` };
    return { lines: lines.slice(inc.start - 1, end), start: inc.start, end };
}

// Where `want` occurs in `lines`, as 1-based start lines.
function findAll(lines, want) {
    const at = [];
    if (want.length === 0) return at;
    for (let i = 0; i + want.length <= lines.length; i++) {
        let k = 0;
        while (k < want.length && lines[i + k] === want[k]) k++;
        if (k === want.length) at.push(i + 1);
    }
    return at;
}

// Parse one deck: its lines and the includes in it, each with the index of
// its directive line, of its fence's opening and closing lines, and the copy.
export function parseDeck(deckPath) {
    const text = fs.readFileSync(deckPath, 'utf8');
    const lines = text.split('\n');
    const includes = [];
    const problems = [];
    const where = (i) => `${path.relative(ROOT, deckPath)}:${i + 1}`;
    let fence = null; // inside a fenced block: its marker
    for (let i = 0; i < lines.length; i++) {
        const f = lines[i].match(FENCE);
        if (fence) {
            if (f && f[2][0] === fence[0] && f[2].length >= fence.length && !f[3].trim()) fence = null;
            continue;
        }
        if (f) { fence = f[2]; continue; }
        if (!LOOSE.test(lines[i])) continue;
        const m = lines[i].match(DIRECTIVE);
        if (!m) {
            problems.push(`${where(i)}: not an include directive: "${lines[i].trim()}" ` +
                '(write <!-- include: path/to/file:START-END -->)');
            continue;
        }
        const inc = { deck: deckPath, line: i, file: m[1], marker: m[4],
            start: m[2] ? Number(m[2]) : undefined, end: m[3] ? Number(m[3]) : undefined };
        let j = i + 1;
        while (j < lines.length && lines[j].trim() === '') j++;
        const open = j < lines.length && lines[j].match(FENCE);
        if (!open) {
            problems.push(`${where(i)}: include of ${m[1]} is not followed by a fenced code block`);
            continue;
        }
        let k = j + 1;
        while (k < lines.length) {
            const c = lines[k].match(FENCE);
            if (c && c[2][0] === open[2][0] && c[2].length >= open[2].length && !c[3].trim()) break;
            k++;
        }
        if (k >= lines.length) {
            problems.push(`${where(j)}: the fenced block after this include is never closed`);
            break;
        }
        Object.assign(inc, { open: j, close: k, indent: open[1], fence: open[2],
            lang: open[3].trim(), copy: lines.slice(j + 1, k) });
        includes.push(inc);
        i = k;
    }
    return { path: deckPath, text, lines, includes, problems,
        afterDeadline: AFTER_DEADLINE.test(text) };
}

function rangeText(inc, r) {
    if (inc.marker) return `${inc.file}#${inc.marker}`;
    if (inc.start === undefined) return inc.file;
    return r.start === r.end ? `${inc.file}:${r.start}` : `${inc.file}:${r.start}-${r.end}`;
}

// Check one parsed deck: a list of problems, each "deck:line: what".
export function checkDeck(deck) {
    const problems = [...deck.problems];
    for (const inc of deck.includes) {
        const where = `${path.relative(ROOT, deck.path)}:${inc.line + 1}`;
        if (/^solutions\//.test(path.normalize(inc.file)) && !deck.afterDeadline) {
            problems.push(`${where}: quotes ${inc.file}: solution code belongs only in decks ` +
                'marked <!-- deck: after-deadline --> (left out of the student release)');
            continue;
        }
        const r = resolve(inc);
        if (r.error) { problems.push(`${where}: ${r.error}`); continue; }
        if (r.lines.length === 0) { problems.push(`${where}: ${rangeText(inc, r)} is empty`); continue; }
        if (same(inc.copy, r.lines)) continue;
        const moved = inc.marker ? [] : findAll(readLines(path.normalize(inc.file)), inc.copy);
        if (moved.length === 1) {
            const s = moved[0], e = s + inc.copy.length - 1;
            problems.push(`${where}: ${rangeText(inc, r)} drifted: the quoted lines are now ` +
                `${inc.file}:${s}-${e} (make slides-sync renumbers the include)`);
        } else {
            const k = firstDiff(inc.copy, r.lines);
            problems.push(`${where}: the copy of ${rangeText(inc, r)} differs from the file ` +
                `at its line ${k + 1}: "${(inc.copy[k] ?? '<end>').trim()}" vs ` +
                `"${(r.lines[k] ?? '<end>').trim()}" (make slides-sync copies the file's lines)`);
        }
    }
    return problems;
}

function same(a, b) { return a.length === b.length && a.every((l, i) => l === b[i]); }
function firstDiff(a, b) { let k = 0; while (k < a.length && k < b.length && a[k] === b[k]) k++; return k; }

// Refresh the copies of one deck in place; returns the changes made.
export function syncDeck(deck) {
    const changes = [];
    const out = [...deck.lines];
    // Back to front, so that line indexes of earlier includes stay valid.
    for (const inc of [...deck.includes].reverse()) {
        const where = `${path.relative(ROOT, deck.path)}:${inc.line + 1}`;
        const r = resolve(inc);
        if (r.error || same(inc.copy, r.lines)) continue;
        const moved = inc.marker ? [] : findAll(readLines(path.normalize(inc.file)), inc.copy);
        if (moved.length === 1 && inc.start !== undefined) {
            const s = moved[0], e = s + inc.copy.length - 1;
            out[inc.line] = deck.lines[inc.line].replace(/:\d+(?:-\d+)?(\s*-->)/, `:${s}-${e}$1`);
            changes.push(`${where}: ${rangeText(inc, r)} -> ${inc.file}:${s}-${e} (the lines moved)`);
        } else {
            out.splice(inc.open + 1, inc.close - inc.open - 1, ...r.lines);
            changes.push(`${where}: copied ${rangeText(inc, r)} (${r.lines.length} lines)`);
        }
    }
    if (changes.length) fs.writeFileSync(deck.path, out.join('\n'));
    return changes;
}

// The deck with every include replaced by the file's real lines (the
// directive itself dropped), and a warning for each copy that drifted.
export function expandDeck(deck) {
    const warnings = checkDeck(deck);
    const out = [];
    let next = 0;
    for (const inc of deck.includes) {
        out.push(...deck.lines.slice(next, inc.line));
        const r = resolve(inc);
        const lang = inc.lang || LANG[path.extname(inc.file)] || '';
        out.push(`${inc.indent}${inc.fence}${lang}`);
        out.push(...(r.error ? inc.copy : r.lines));
        out.push(`${inc.indent}${inc.fence}`);
        next = inc.close + 1;
    }
    out.push(...deck.lines.slice(next));
    return { text: out.join('\n'), warnings, errors: warnings.filter((w) => !/drifted|differs/.test(w)) };
}

export function listDecks(args) {
    if (args.length) return args.map((a) => path.resolve(a));
    const dir = path.join(ROOT, 'slides');
    return fs.readdirSync(dir).filter((f) => /^\d\d-[\w-]+\.md$/.test(f)).sort()
        .map((f) => path.join(dir, f));
}

function main() {
    const [cmd, ...args] = process.argv.slice(2);
    const decks = listDecks(args);
    if (cmd === 'check') {
        let n = 0, bad = [];
        for (const d of decks) {
            const deck = parseDeck(d);
            n += deck.includes.length;
            bad.push(...checkDeck(deck));
        }
        for (const b of bad) console.log(b);
        console.log(`slides: ${decks.length} decks, ${n} includes, ` +
            (bad.length ? `${bad.length} problems (make slides-sync fixes drift)` : 'every copy matches its file'));
        process.exit(bad.length ? 1 : 0);
    } else if (cmd === 'sync') {
        let n = 0;
        for (const d of decks) {
            for (const c of syncDeck(parseDeck(d))) { console.log(c); n++; }
            fileCache.clear();
        }
        const left = decks.flatMap((d) => checkDeck(parseDeck(d)));
        for (const b of left) console.log(b);
        console.log(`slides-sync: ${n} includes refreshed; ${left.length} problems left`);
        process.exit(left.length ? 1 : 0);
    } else {
        console.error('usage: includes.mjs check|sync [deck.md ...]');
        process.exit(2);
    }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
