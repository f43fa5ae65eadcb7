// SPDX-License-Identifier: MIT
// make slides-check: open every deck of build/slides/ in headless Chromium
// (Debian's /usr/bin/chromium, driven by puppeteer-core) with the network
// cut off, walk its slides, and fail on an empty deck or slide, a broken
// image, a request that leaves the file, a script error, or content that
// overflows its slide. Saves build/slides/shots/<deck>/NN.png for review.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ROOT } from './includes.mjs';

const require = createRequire(path.join(ROOT, 'slides/package.json'));
const puppeteer = require('puppeteer-core');

const OUT = path.join(ROOT, 'build/slides');
const SHOTS = path.join(OUT, 'shots');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const TOLERANCE = 2; // px of a 1280x720 slide: sub-pixel rounding, not overflow

const decks = (process.argv.slice(2).length ? process.argv.slice(2).map((a) => path.basename(a, path.extname(a)))
    : fs.readdirSync(path.join(ROOT, 'slides')).filter((f) => /^\d\d-[\w-]+\.md$/.test(f)).map((f) => f.slice(0, -3))).sort();

if (!fs.existsSync(CHROMIUM)) {
    console.error(`slides-check: ${CHROMIUM} not found: run make slides-deps (Debian's chromium)`);
    process.exit(1);
}
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'slides-chromium-'));
const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--font-render-hinting=none', '--hide-scrollbars'],
    protocolTimeout: 60000,
});

// What one slide looks like from inside the page: run in the browser.
function inspectSlide(index, TOLERANCE) {
    const svgs = [...document.querySelectorAll('svg[data-marpit-svg]')];
    const svg = svgs[index];
    const section = svg && svg.querySelector('section');
    if (!section) return { missing: true, count: svgs.length };
    const box = section.getBoundingClientRect();
    const scale = box.width / 1280;
    const out = [];
    for (const el of section.querySelectorAll('*')) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        if (el.closest('marp-pre svg, svg foreignObject svg')) continue;
        const over = Math.max(r.right - box.right, r.bottom - box.bottom, box.left - r.left, box.top - r.top) / scale;
        if (over > TOLERANCE) {
            const what = el.tagName.toLowerCase() + (el.textContent ? `: "${el.textContent.trim().slice(0, 50)}"` : '');
            out.push({ over: Math.round(over), what });
        }
    }
    // The worst offenders that are not just the ancestors of another one.
    out.sort((a, b) => b.over - a.over);
    const images = [...section.querySelectorAll('img')].map((img) => ({
        src: img.getAttribute('src').slice(0, 60), ok: img.complete && img.naturalWidth > 0 }));
    const bgs = [...section.querySelectorAll('[style*="url("]')].map((e) => e.style.backgroundImage);
    const text = section.innerText.replace(/\s+/g, ' ').trim();
    const heading = (section.querySelector('h1, h2, h3') || {}).textContent || text.slice(0, 40);
    return { count: svgs.length, overflow: out.slice(0, 3), images, bgs, text: text.length, heading };
}

let problems = 0, slides = 0, shots = 0;
const report = (deck, msg) => { console.log(`  FAIL  ${deck}: ${msg}`); problems++; };
const t0 = Date.now();

// One page for every deck: requests that leave the deck's own file are
// refused and counted, and so are script errors.
const page = await browser.newPage();
await page.setViewport({ width: 1280, height: 720 });
await page.setRequestInterception(true);
let current = '', external = [], errors = [];
page.on('request', (req) => {
    const url = req.url();
    if (url.startsWith('data:') || url === `file://${current}` || url.startsWith(`file://${current}#`)) req.continue();
    else { external.push(url); req.abort(); }
});
page.on('pageerror', (e) => errors.push(String(e.message || e)));
page.on('requestfailed', (req) => { if (!req.url().startsWith('data:')) errors.push(`request failed: ${req.url()}`); });

async function checkDeck(deck, file) {
    current = file; external = []; errors = [];
    await page.goto(`file://${file}`, { waitUntil: 'load' });
    await page.evaluate(() => document.fonts.ready);
    // The on-screen controls of the bespoke template belong to no slide.
    await page.addStyleTag({ content: '.bespoke-marp-osc { display: none !important; }' });
    const count = await page.evaluate(() => document.querySelectorAll('svg[data-marpit-svg]').length);
    if (count === 0) report(deck, 'an empty deck: no slides');
    const dir = path.join(SHOTS, deck);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    let bad = 0;
    for (let i = 0; i < count; i++) {
        // The bespoke template shows slide i+1 at #i+1.
        await page.evaluate((n) => { location.hash = `#${n}`; }, i + 1);
        await page.waitForFunction((n) => {
            const s = document.querySelectorAll('svg[data-marpit-svg]')[n];
            return s && s.getBoundingClientRect().width > 0;
        }, { timeout: 10000 }, i);
        await new Promise((r) => setTimeout(r, 60));
        const s = await page.evaluate(inspectSlide, i, TOLERANCE);
        const where = `slide ${i + 1} (${s.heading.trim().slice(0, 40)})`;
        slides++;
        if (s.text === 0 && s.images.length === 0 && s.bgs.length === 0) { report(deck, `${where}: empty`); bad++; }
        for (const img of s.images) if (!img.ok) { report(deck, `${where}: broken image ${img.src}`); bad++; }
        for (const o of s.overflow.slice(0, 1)) {
            report(deck, `${where}: content overflows the slide by ${o.over}px (${o.what})`);
            bad++;
        }
        await page.screenshot({ path: path.join(dir, `${String(i + 1).padStart(2, '0')}.png`) });
        shots++;
    }
    for (const u of [...new Set(external)]) { report(deck, `asked the network for ${u.slice(0, 80)}: a deck must be self-contained`); bad++; }
    for (const e of [...new Set(errors)]) { report(deck, `page error: ${e.slice(0, 120)}`); bad++; }
    console.log(`  ${bad ? 'FAIL' : 'ok  '}  ${deck}: ${count} slides${bad ? `, ${bad} problems` : ''}`);
}

for (const deck of decks) {
    const file = path.join(OUT, `${deck}.html`);
    if (!fs.existsSync(file)) { report(deck, `${path.relative(ROOT, file)} missing: run make slides`); continue; }
    try {
        await checkDeck(deck, file);
    } catch (e) {
        report(deck, `the browser gave up: ${String(e.message || e).split('\n')[0]}`);
    }
}
await browser.close();
fs.rmSync(profile, { recursive: true, force: true });
console.log(`slides-check: ${decks.length} decks, ${slides} slides, ${shots} screenshots in ` +
    `${path.relative(ROOT, SHOTS)}/ (${((Date.now() - t0) / 1000).toFixed(1)} s): ` +
    (problems ? `${problems} problems` : 'every slide fits, every image loads'));
process.exit(problems ? 1 : 0);
