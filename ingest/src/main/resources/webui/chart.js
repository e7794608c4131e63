// The throughput chart: the ingest's images per second over the last minute, every 2 s.

import { $, api, keyReady, sleep } from './server.js';

const SAMPLES = 60;
const rates = [];

export async function watchThroughput() {
  for (;;) {
    await keyReady();
    try {
      const res = await api('/v1/stats?window=1m');
      if (res.ok) {
        const s = await res.json();
        rates.push(s.images_per_second);
        if (rates.length > SAMPLES) {
          rates.shift();
        }
        draw();
      }
    } catch (e) {
      // the next sample will tell
    }
    await sleep(2000);
  }
}

function draw() {
  const canvas = $('chart');
  const g = canvas.getContext('2d');
  const w = canvas.width;
  const h = canvas.height;
  const pad = 20;
  g.clearRect(0, 0, w, h);
  const max = Math.max(1, ...rates);
  g.strokeStyle = '#ddd';
  g.beginPath();
  g.moveTo(0, h - pad);
  g.lineTo(w, h - pad);
  g.stroke();
  g.fillStyle = '#5b5b66';
  g.font = '12px system-ui, sans-serif';
  g.fillText(max.toFixed(1) + ' images/s', 4, 12);
  g.strokeStyle = '#0a58ca';
  g.lineWidth = 2;
  g.beginPath();
  rates.forEach((r, i) => {
    const x = (i / (SAMPLES - 1)) * (w - 1);
    const y = h - pad - (r / max) * (h - 2 * pad);
    if (i === 0) {
      g.moveTo(x, y);
    } else {
      g.lineTo(x, y);
    }
  });
  g.stroke();
  const last = rates[rates.length - 1];
  canvas.setAttribute('aria-label', 'Throughput, last minute: ' + last.toFixed(2) + ' images/s');
}
