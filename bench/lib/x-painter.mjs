// An ordinary X client for the remote-desktop benchmarks, run as a child with DISPLAY set to the
// display it paints (pure-JS `x11` package, no toolkit). One window covers the display; every
// PERIOD_MS it paints the wall clock (Date.now() mod 2^bits, in ms) as the bench barcode
// (bench/lib/live.mjs BARCODE, geometry scaled to the display and given in argv[2] as JSON), and a
// click target that switches black <-> white on each ButtonPress inside it.
// The barcode strip is drawn into a pixmap and copied in one CopyArea: the X server runs a request
// whole, so a grab never sees half of one stamp and half of the next.
// stdout: `ready` once mapped, then `press <Date.now()> <white 0|1>` per toggle. Exits when stdin
// closes (its parent is gone) or the X connection drops.
import x11 from 'x11';

const layout = JSON.parse(process.argv[2]);
const { width, height, strip, barcode, target, periodMs = 4 } = layout;
const GRAY = 0x404858;
const WHITE = 0xffffff;
const BLACK = 0x000000;

const WM_ATOMS = ['WM_STATE', '_NET_WM_STATE', '_NET_WM_STATE_HIDDEN', '_NET_WM_WINDOW_TYPE', '_NET_WM_WINDOW_TYPE_NORMAL', '_NET_CLIENT_LIST', '_NET_CLIENT_LIST_STACKING', '_NET_ACTIVE_WINDOW', '_NET_WM_NAME', '_NET_WM_PID', 'UTF8_STRING', '_NET_FRAME_EXTENTS', '_GTK_FRAME_EXTENTS', '_NET_WORKAREA', '_NET_SUPPORTED', '_NET_SUPPORTING_WM_CHECK'];

const fail = (error) => {
  process.stderr.write(`x-painter: ${error?.message ?? error}\n`);
  process.exit(1);
};

x11.createClient({ display: process.env.DISPLAY }, (error, display) => {
  if (error) fail(error);
  const X = display.client;
  X.on('error', fail);
  X.on('end', () => process.exit(0));
  const screen = display.screen[0];
  const win = X.AllocID();
  X.CreateWindow(win, screen.root, 0, 0, width, height, 0, 0, 0, 0, {
    backgroundPixel: GRAY,
    overrideRedirect: 1,
    eventMask: x11.eventMask.Exposure | x11.eventMask.ButtonPress,
  });
  const pixmap = X.AllocID();
  X.CreatePixmap(pixmap, win, screen.root_depth, strip.w, strip.h);
  const black = X.AllocID();
  const white = X.AllocID();
  X.CreateGC(black, win, { foreground: BLACK, graphicsExposures: 0 });
  X.CreateGC(white, win, { foreground: WHITE, graphicsExposures: 0 });
  let targetWhite = false;

  const paintTarget = () => X.PolyFillRectangle(win, targetWhite ? white : black, [target.x, target.y, target.w, target.h]);
  const paintStamp = () => {
    const code = Date.now() % 2 ** barcode.bits;
    X.PolyFillRectangle(pixmap, black, [0, 0, strip.w, strip.h]);
    const blocks = [];
    for (let k = 0; k < barcode.bits; k++) {
      if (Math.floor(code / 2 ** k) % 2 === 1) blocks.push(barcode.x0 - strip.x + k * barcode.blockW, barcode.y0 - strip.y, barcode.blockW, barcode.blockH);
    }
    if (blocks.length > 0) X.PolyFillRectangle(pixmap, white, blocks);
    X.CopyArea(pixmap, win, black, 0, 0, strip.x, strip.y, strip.w, strip.h);
  };

  X.on('event', (ev) => {
    if (ev.name === 'Expose') {
      paintTarget();
      paintStamp();
    } else if (ev.name === 'ButtonPress') {
      const inside = ev.x >= target.x && ev.x < target.x + target.w && ev.y >= target.y && ev.y < target.y + target.h;
      if (!inside) return;
      targetWhite = !targetWhite;
      paintTarget();
      process.stdout.write(`press ${Date.now()} ${targetWhite ? 1 : 0}\n`);
    }
  });
  // The window-manager atoms a screen capturer reads. Without a window manager they are never made,
  // and Chromium 156's X11 capturer asks for a property by the atom None and exits on the X error.
  for (const name of WM_ATOMS) X.InternAtom(false, name, () => {});
  X.MapWindow(win);
  paintTarget();
  paintStamp();
  setInterval(paintStamp, periodMs);
  // A round trip: once answered, the window is mapped and painted.
  X.GetGeometry(win, (err) => {
    if (err) fail(err);
    process.stdout.write('ready\n');
  });
});

process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
