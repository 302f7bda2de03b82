// The remote-desktop painter as a web page (the bench barcode of the wall clock every 4 ms, and a click
// target that switches black <-> white), for a desktop where the X painter cannot run: a Wayland
// desktop, where Chromium is the Wayland client. The same page also runs in Chromium on an X display,
// so that the two capture paths are compared with the same client drawing the same picture.
// `press <Date.now()> <white 0|1>` goes to the console on each toggle; startBrowserPainter collects them.
/* global window -- the function passed to waitForFunction runs in the browser */

/** A data: URL of the painter page for `layout` (bench/lib/remote.mjs painterLayout). */
export function painterPageUrl(layout, periodMs = 4) {
  const html = `<!doctype html><html><body style="margin:0;overflow:hidden;background:#404858;cursor:none">
<canvas id="c" width="${layout.width}" height="${layout.height}" style="position:fixed;left:0;top:0"></canvas>
<script>
const L = ${JSON.stringify(layout)};
const g = document.getElementById('c').getContext('2d', { alpha: false });
g.fillStyle = '#404858'; g.fillRect(0, 0, L.width, L.height);
let white = false;
const target = () => { g.fillStyle = white ? '#fff' : '#000'; g.fillRect(L.target.x, L.target.y, L.target.w, L.target.h); };
const stamp = () => {
  const b = L.barcode, s = L.strip, code = Date.now() % 2 ** b.bits;
  g.fillStyle = '#000'; g.fillRect(s.x, s.y, s.w, s.h);
  g.fillStyle = '#fff';
  for (let k = 0; k < b.bits; k++) if (Math.floor(code / 2 ** k) % 2 === 1) g.fillRect(b.x0 + k * b.blockW, b.y0, b.blockW, b.blockH);
};
target(); stamp();
setInterval(stamp, ${periodMs});
addEventListener('mousedown', (e) => {
  const t = L.target;
  if (e.clientX < t.x || e.clientX >= t.x + t.w || e.clientY < t.y || e.clientY >= t.y + t.h) return;
  white = !white; target();
  console.log('press ' + Date.now() + ' ' + (white ? 1 : 0));
});
window.painterReady = true;
</script></body></html>`;
  return `data:text/html,${encodeURIComponent(html)}`;
}

/** Collects the painter page's presses (the shape startPainter's painter has for clickToPhoton). */
export async function startBrowserPainter(page) {
  const presses = [];
  page.on('console', (m) => {
    const match = /^press (\d+) ([01])$/.exec(m.text());
    if (match) presses.push({ at: Number(match[1]), white: match[2] === '1' });
  });
  await page.waitForFunction(() => window.painterReady === true, null, { timeout: 15_000 });
  return { presses };
}
