// Cutflow's web UI: plain JavaScript modules, no library, nothing fetched from outside this
// server. Every piece of data (file names, messages) reaches the page through textContent or
// setAttribute, never as HTML. This module submits images and routes their results to their tiles;
// server.js talks to the server, tiles.js draws the tiles, events.js follows results, chart.js
// draws throughput, pick.js takes files in.

import { watchThroughput } from './chart.js';
import { connection, listen } from './events.js';
import { onFilesPicked } from './pick.js';
import { $, api, errorText, keyReady, onKeyGiven, requireKey, sleep } from './server.js';
import { done, doneJobIds, fail, newTile, note, setState, stateOf } from './tiles.js';

const CONCURRENT_UPLOADS = 3;
const BUSY_RETRIES = 5;

let config = null;
const byJob = new Map(); // job id -> tile
const early = new Map(); // results that came before their job's POST answered
const waiting = []; // tiles not yet sent
let sending = 0;

// ------------------------------------------------------------------ options

function toggle(box, ids) {
  const sync = () => ids.forEach((id) => ($(id).disabled = !$(box).checked));
  $(box).addEventListener('change', sync);
  sync();
}
toggle('bgc-on', ['bgc-colour', 'bgc-alpha']);
toggle('a', ['af', 'ab', 'ae']);
$('bgc-alpha').addEventListener('input', () => {
  $('bgc-alpha-value').textContent = $('bgc-alpha').value;
});

// The form's options as /v1/jobs parameters (rembg's names).
function options() {
  const p = [];
  if ($('model').value) {
    p.push(['model', $('model').value]);
  }
  if ($('om').checked) {
    p.push(['om', 'true']);
  }
  if ($('ppm').checked) {
    p.push(['ppm', 'true']);
  }
  if ($('bgc-on').checked) {
    const hex = $('bgc-colour').value;
    const rgb = [1, 3, 5].map((i) => parseInt(hex.substr(i, 2), 16));
    p.push(['bgc', rgb.concat([$('bgc-alpha').value]).join(',')]);
  }
  if ($('a').checked) {
    p.push(['a', 'true'], ['af', $('af').value], ['ab', $('ab').value], ['ae', $('ae').value]);
  }
  return p;
}

function applyConfig(cfg) {
  config = cfg;
  $('limit').textContent =
    'Up to ' + size(cfg.max_upload_bytes) + ' per image (cutflow.ingest.max-upload-bytes).';
  const select = $('model');
  (cfg.models || []).forEach((m) => {
    const o = document.createElement('option');
    o.value = m.name;
    o.textContent = m.served ? m.name : m.name + ' (weights present, no worker serves it)';
    o.disabled = !m.served;
    o.title = m.description || '';
    select.appendChild(o);
  });
  requireKey(!!cfg.api_key_required);
}

function size(bytes) {
  if (bytes >= 1 << 20) {
    return (bytes / (1 << 20)).toFixed(1).replace(/\.0$/, '') + ' MiB';
  }
  if (bytes >= 1024) {
    return Math.round(bytes / 1024) + ' KiB';
  }
  return bytes + ' bytes';
}

// ------------------------------------------------------------------ submitting

function add(files) {
  for (const file of files) {
    const tile = newTile(file);
    const max = config ? config.max_upload_bytes : Infinity;
    if (file.size > max) {
      fail(tile, file.name + ': ' + size(file.size) + ' is over the server\'s limit of ' + size(max) + ' per upload; not sent');
      continue;
    }
    if (file.size === 0) {
      fail(tile, file.name + ': the file is empty; not sent');
      continue;
    }
    tile.params = options();
    waiting.push(tile);
  }
  pump();
}

async function pump() {
  await keyReady();
  while (sending < CONCURRENT_UPLOADS && waiting.length > 0) {
    const tile = waiting.shift();
    sending++;
    send(tile).finally(() => {
      sending--;
      pump();
    });
  }
}

// One image, one POST /v1/jobs: a refused file fails alone. A 503 (the server busy, or Kafka or the
// object store failing) is sent again after its Retry-After, BUSY_RETRIES times at most.
async function send(tile) {
  for (let attempt = 0; ; attempt++) {
    setState(tile, 'uploading', 'uploading');
    const form = new FormData();
    form.append('file', tile.file, tile.file.name);
    tile.params.forEach(([k, v]) => form.append(k, v));
    let res;
    try {
      res = await api('/v1/jobs', { method: 'POST', body: form });
    } catch (e) {
      fail(tile, 'could not reach the server: ' + e.message);
      return;
    }
    if (res.status === 401) {
      waiting.unshift(tile); // sent again once the key is given
      setState(tile, 'waiting', 'waiting for the API key');
      return;
    }
    if (res.status === 503 && attempt < BUSY_RETRIES) {
      const seconds = retryAfter(res);
      note(tile, await errorText(res));
      setState(tile, 'waiting', 'server busy: retry ' + (attempt + 1) + ' of ' + BUSY_RETRIES + ' in ' + seconds + ' s');
      await sleep(seconds * 1000);
      continue;
    }
    if (!res.ok) {
      fail(tile, await errorText(res));
      return;
    }
    note(tile, '');
    const body = await res.json();
    tile.jobId = body.jobs[0].job_id;
    byJob.set(tile.jobId, tile);
    setState(tile, 'queued', 'queued');
    const first = early.get(tile.jobId);
    if (first) {
      early.delete(tile.jobId);
      result(first);
    }
    return;
  }
}

// Seconds to wait before sending again: the server's Retry-After, 5 without one, a minute at most.
function retryAfter(res) {
  const s = parseInt(res.headers.get('Retry-After') || '', 10);
  return Number.isFinite(s) && s > 0 ? Math.min(s, 60) : 5;
}

function result(event) {
  const tile = byJob.get(event.job_id);
  if (!tile) {
    // maybe ours, its POST not answered yet; or another client's job (kept briefly)
    early.set(event.job_id, event);
    if (early.size > 2000) {
      early.delete(early.keys().next().value);
    }
    return;
  }
  if (event.status === 'done') {
    done(tile, event);
  } else if (event.status === 'failed' && stateOf(tile) !== 'failed') {
    const f = event.failure || {};
    fail(tile, (f.code ? f.code + ': ' : '') + (f.message || 'failed'));
  }
}

function queuedJobIds() {
  return Array.from(byJob.values())
    .filter((t) => stateOf(t) === 'queued')
    .map((t) => t.jobId);
}

// ------------------------------------------------------------------ ZIP

$('zip-prepare').addEventListener('click', async () => {
  const ids = doneJobIds();
  const message = $('zip-message');
  message.textContent = '';
  const res = await api('/v1/zips', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ job_ids: ids }),
  });
  if (!res.ok) {
    message.textContent = await errorText(res);
    return;
  }
  const body = await res.json();
  const link = $('zip-link');
  link.href = body.url;
  link.download = 'cutflow-cutouts.zip';
  link.textContent = 'cutflow-cutouts.zip (' + ids.length + ' cutouts, link valid 15 minutes)';
  link.hidden = false;
  link.focus();
});

// ------------------------------------------------------------------ start

onKeyGiven(pump);
onFilesPicked(add);
fetch('/v1/ui-config')
  .then((r) => r.json())
  .then((cfg) => {
    applyConfig(cfg);
    listen(result, queuedJobIds);
    watchThroughput();
  })
  .catch((e) => connection('down', 'Cannot read /v1/ui-config: ' + e.message));
