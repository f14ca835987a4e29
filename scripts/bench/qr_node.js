// Node's side of qr_compare.sh: the same seat code URLs through the npm
// package `qrcode` (the most used JavaScript QR library), through its ordinary
// API, as trajet renders them: level Q, 8 px a module, a 4-module quiet zone,
// PNG bytes (toBuffer) and SVG text (toString) in memory.
//
// usage: node qr_node.js time URLS_FILE MODULES_DIR
//            one untimed pass, then one timed pass of PNG and of SVG; prints a JSON line
//            of wall and CPU seconds
//        node qr_node.js samples URLS_FILE MODULES_DIR OUT_DIR INDEX...
//            writes OUT_DIR/node-qrcode-INDEX.png and .svg
'use strict';

const fs = require('fs');
const path = require('path');

const [mode, urlsFile, modulesDir, ...rest] = process.argv.slice(2);
const QRCode = require(path.resolve(modulesDir, 'qrcode'));
const version = require(path.resolve(modulesDir, 'qrcode', 'package.json')).version;
const urls = fs.readFileSync(urlsFile, 'utf8').split('\n').filter((line) => line);

const options = { errorCorrectionLevel: 'Q', margin: 4, scale: 8 };
// The SVG gets no display size (a `width` would need the code's size before
// the call, so a second encoding): it is drawn in module units like trajet's.
const png = (url) => QRCode.toBuffer(url, { ...options, type: 'png' });
const svg = (url) => QRCode.toString(url, { ...options, type: 'svg' });

// Wall and process CPU seconds (every thread: zlib runs on libuv's pool) of
// one pass over every URL, and the bytes made.
async function timedPass(render) {
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  let bytes = 0;
  for (const url of urls) {
    bytes += (await render(url)).length;
  }
  const used = process.cpuUsage(cpu);
  return [Number(process.hrtime.bigint() - started) / 1e9, (used.user + used.system) / 1e6, bytes];
}

async function main() {
  if (mode === 'samples') {
    const [outDir, ...indices] = rest;
    for (const index of indices) {
      const url = urls[Number(index)];
      fs.writeFileSync(path.join(outDir, `node-qrcode-${index}.png`), await png(url));
      fs.writeFileSync(path.join(outDir, `node-qrcode-${index}.svg`), await svg(url));
    }
    return;
  }
  await timedPass(png); // warm-up
  await timedPass(svg);
  const [pngS, pngCpuS, pngBytes] = await timedPass(png);
  const [svgS, svgCpuS, svgBytes] = await timedPass(svg);
  const n = urls.length;
  console.log(JSON.stringify({
    tool: 'node-qrcode', library: `qrcode ${version} (Node ${process.versions.node})`, codes: n,
    png_s: pngS, svg_s: svgS, png_cpu_s: pngCpuS, svg_cpu_s: svgCpuS,
    png_bytes: Math.floor(pngBytes / n), svg_bytes: Math.floor(svgBytes / n),
  }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
