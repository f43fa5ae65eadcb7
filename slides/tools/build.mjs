// SPDX-License-Identifier: MIT
// make slides: every slides/NN-topic.md to one self-contained HTML file in
// build/slides/. Includes are expanded from the real files, the deck is
// rendered by Marp CLI (installed in slides/node_modules by make slides-deps),
// and every image is inlined as a data: URI, so a deck opens with no network
// and no other file. A broken include or a missing image fails the build.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { ROOT, listDecks, parseDeck, expandDeck } from './includes.mjs';

const OUT = path.join(ROOT, 'build/slides');
const SRC = path.join(OUT, 'src');
const DIAGRAMS = path.join(OUT, 'diagrams');
const MARP = path.join(ROOT, 'slides/node_modules/.bin/marp');
const MIME = { '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg',
    '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp' };

function fail(msg) { console.error(`slides: ${msg}`); process.exit(1); }

if (!fs.existsSync(MARP)) fail('Marp CLI is not installed: run make slides-deps');
fs.rmSync(SRC, { recursive: true, force: true });
fs.mkdirSync(SRC, { recursive: true });

const decks = listDecks(process.argv.slice(2));
if (!decks.length) fail('no decks in slides/');
let errors = 0;
for (const d of decks) {
    const x = expandDeck(parseDeck(d));
    for (const w of x.warnings) console.error(`slides: warning: ${w}`);
    for (const e of x.errors) { console.error(`slides: error: ${e}`); errors++; }
    fs.writeFileSync(path.join(SRC, path.basename(d)), x.text);
}
if (errors) fail(`${errors} broken includes`);

// One Marp run for every deck: bespoke template (keyboard navigation,
// presenter view), the project's theme, no emoji images from a CDN.
const config = path.join(ROOT, 'slides/marp.config.cjs');
try {
    execFileSync(MARP, ['--no-stdin', '--config-file', config, '--input-dir', SRC, '--output', OUT],
        { stdio: ['ignore', 'ignore', 'pipe'], cwd: ROOT });
} catch (e) {
    process.stderr.write(String(e.stderr || e.message));
    fail('Marp CLI failed');
}

// Images: a deck writes ![...](diagrams/NAME.svg) (generated into
// build/slides/diagrams by make slides) or a path relative to slides/.
function dataUri(ref, deck) {
    if (/^(data:|#)/.test(ref)) return null;
    if (/^[a-z]+:/i.test(ref)) fail(`${deck}: remote image ${ref}: decks must work offline`);
    const rel = decodeURIComponent(ref.split(/[?#]/)[0]);
    const tries = [path.join(OUT, rel), path.join(ROOT, 'slides', rel)];
    const file = tries.find((f) => fs.existsSync(f));
    if (!file) { console.error(`slides: error: ${deck}: image ${ref} not found (${tries.join(', ')})`); errors++; return null; }
    const mime = MIME[path.extname(file).toLowerCase()];
    if (!mime) fail(`${deck}: image ${ref}: unknown type`);
    return `data:${mime};base64,${fs.readFileSync(file).toString('base64')}`;
}

let images = 0;
for (const d of decks) {
    const name = path.basename(d, '.md');
    const html = path.join(OUT, `${name}.html`);
    let text = fs.readFileSync(html, 'utf8');
    text = text.replace(/(<img\b[^>]*?\bsrc=")([^"]+)(")/g, (m, a, ref, b) => {
        const uri = dataUri(ref.replace(/&amp;/g, '&'), name);
        if (uri) images++;
        return uri ? a + uri + b : m;
    });
    text = text.replace(/url\((&quot;|"|')([^"')&]+)\1\)/g, (m, q, ref) => {
        const uri = dataUri(ref, name);
        if (uri) images++;
        return uri ? `url(${q}${uri}${q})` : m;
    });
    fs.writeFileSync(html, text);
}
if (errors) fail(`${errors} missing images`);
console.log(`slides: ${decks.length} decks, ${images} images inlined -> ${path.relative(ROOT, OUT)}/*.html`);
