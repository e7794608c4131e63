// Cutflow's web UI: plain JavaScript, no library, nothing fetched from outside this server.
// Every piece of data (file names, messages) reaches the page through textContent or
// setAttribute, never as HTML.
'use strict';

(function () {
  const CONCURRENT_UPLOADS = 3;
  const KEY_STORE = 'cutflow.api-key';
  const $ = (id) => document.getElementById(id);

  const state = {
    config: null,
    key: sessionStorage.getItem(KEY_STORE) || '',
    tiles: new Map(), // job id -> tile
    early: new Map(), // results that came before their job's POST answered
    waiting: [], // tiles not yet sent
    sending: 0,
    firstSent: 0,
    lastFinished: 0,
    all: [],
    keyWaiters: [],
    rates: [],
  };

  // ------------------------------------------------------------------ HTTP

  function headers(extra) {
    const h = Object.assign({}, extra || {});
    if (state.key) {
      h['X-API-Key'] = state.key;
    }
    return h;
  }

  async function api(path, options) {
    const o = Object.assign({}, options || {});
    o.headers = headers(o.headers);
    const res = await fetch(path, o);
    if (res.status === 401) {
      askKey('The API key was refused; enter it again.');
    }
    return res;
  }

  // The server's own message ({"error", "message"}), else the status line.
  async function errorText(res) {
    try {
      const body = await res.json();
      if (body && body.message) {
        return body.message;
      }
    } catch (e) {
      // not JSON: a proxy's page
    }
    return 'HTTP ' + res.status + ' ' + res.statusText;
  }

  // ------------------------------------------------------------------ API key

  function askKey(message) {
    state.key = '';
    sessionStorage.removeItem(KEY_STORE);
    $('key-message').textContent = message;
    $('key-form').hidden = false;
    $('api-key').focus();
  }

  function keyReady() {
    if (!state.config || !state.config.api_key_required || state.key) {
      return Promise.resolve();
    }
    return new Promise((resolve) => state.keyWaiters.push(resolve));
  }

  $('key-form').addEventListener('submit', (e) => {
    e.preventDefault();
    state.key = $('api-key').value.trim();
    if (!state.key) {
      return;
    }
    sessionStorage.setItem(KEY_STORE, state.key);
    $('api-key').value = '';
    $('key-form').hidden = true;
    state.keyWaiters.splice(0).forEach((w) => w());
    pump();
  });

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
    state.config = cfg;
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
    if (cfg.api_key_required && !state.key) {
      askKey('This server needs an API key. It is kept in this tab only and sent as the X-API-Key header.');
    }
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

  // ------------------------------------------------------------------ tiles

  function newTile(file) {
    const li = document.createElement('li');
    li.className = 'tile';
    const figure = document.createElement('figure');
    const img = document.createElement('img');
    img.alt = 'original: ' + file.name;
    figure.appendChild(img);
    const name = document.createElement('p');
    name.className = 'name';
    name.textContent = file.name;
    name.title = file.name;
    const st = document.createElement('p');
    st.className = 'state';
    const message = document.createElement('p');
    message.className = 'message';
    message.hidden = true;
    const tools = document.createElement('p');
    tools.className = 'tools';
    li.append(figure, name, st, message, tools);
    $('tiles').appendChild(li);
    const tile = { file, li, img, st, message, tools, jobId: null, original: null, cutout: null };
    if (file.type.startsWith('image/')) {
      tile.original = URL.createObjectURL(file);
      img.src = tile.original;
    } else {
      img.hidden = true; // the browser cannot show it; the server decides what it is
      const none = document.createElement('span');
      none.className = 'no-preview';
      none.textContent = 'no preview';
      figure.appendChild(none);
    }
    setState(tile, 'waiting', 'waiting');
    state.all.push(tile);
    return tile;
  }

  function setState(tile, s, text) {
    tile.li.dataset.state = s;
    tile.st.textContent = text;
    summary();
  }

  function fail(tile, text) {
    setState(tile, 'failed', 'failed');
    tile.message.textContent = text;
    tile.message.hidden = false;
    state.lastFinished = Date.now();
    summary();
  }

  async function done(tile, event) {
    if (tile.li.dataset.state === 'done') {
      return;
    }
    setState(tile, 'done', 'done' + (event.image ? ' · ' + event.image.width + '×' + event.image.height : ''));
    state.lastFinished = Date.now();
    const blob = await cutout(tile.jobId);
    if (!blob) {
      tile.message.textContent = 'done, but the cutout could not be fetched';
      tile.message.hidden = false;
      return;
    }
    tile.cutout = URL.createObjectURL(blob);
    const none = tile.li.querySelector('.no-preview');
    if (none) {
      none.remove();
    }
    tile.img.hidden = false;
    tile.img.src = tile.cutout;
    tile.img.alt = 'cutout: ' + tile.file.name;
    tile.img.classList.add('cutout');
    const link = document.createElement('a');
    link.href = tile.cutout;
    link.download = pngName(tile.file.name);
    link.textContent = 'Download PNG';
    link.className = 'download';
    $('zip-prepare').disabled = false;
    if (!tile.original) {
      tile.tools.append(link); // nothing to compare with
      return;
    }
    const flip = document.createElement('button');
    flip.type = 'button';
    flip.className = 'secondary';
    flip.textContent = 'Original';
    flip.setAttribute('aria-pressed', 'false');
    flip.addEventListener('click', () => {
      const showOriginal = flip.getAttribute('aria-pressed') !== 'true';
      flip.setAttribute('aria-pressed', String(showOriginal));
      tile.img.src = showOriginal && tile.original ? tile.original : tile.cutout;
      tile.img.alt = (showOriginal ? 'original: ' : 'cutout: ') + tile.file.name;
    });
    tile.tools.append(flip, link);
  }

  // The cutout as a blob. The result event can come before the status store has read the result
  // back, so "not done yet" is asked again for a while.
  async function cutout(jobId) {
    for (let i = 0; i < 40; i++) {
      const res = await api('/v1/jobs/' + encodeURIComponent(jobId) + '/cutout');
      if (res.ok) {
        return res.blob();
      }
      if (res.status !== 404 && res.status !== 503) {
        return null;
      }
      await sleep(250);
    }
    return null;
  }

  function pngName(name) {
    const dot = name.lastIndexOf('.');
    return (dot > 0 ? name.substring(0, dot) : name) + '.png';
  }

  function summary() {
    const count = (s) => state.all.filter((t) => t.li.dataset.state === s).length;
    const ok = count('done');
    const failed = count('failed');
    const finished = ok + failed;
    const total = state.all.length;
    if (total === 0) {
      $('summary').textContent = 'No images yet.';
      return;
    }
    let text = finished + ' of ' + total + ' finished · ' + ok + ' done · ' + failed + ' failed';
    if (state.firstSent && finished > 0) {
      const seconds = Math.max(0.001, ((finished === total ? state.lastFinished : Date.now()) - state.firstSent) / 1000);
      text += ' · ' + (finished / seconds).toFixed(2) + ' images/s';
    }
    $('summary').textContent = text;
  }

  // ------------------------------------------------------------------ submitting

  function add(files) {
    for (const file of files) {
      const tile = newTile(file);
      const max = state.config ? state.config.max_upload_bytes : Infinity;
      if (file.size > max) {
        fail(tile, file.name + ': ' + size(file.size) + ' is over the server\'s limit of ' + size(max) + ' per upload; not sent');
        continue;
      }
      if (file.size === 0) {
        fail(tile, file.name + ': the file is empty; not sent');
        continue;
      }
      tile.params = options();
      state.waiting.push(tile);
    }
    pump();
  }

  async function pump() {
    await keyReady();
    while (state.sending < CONCURRENT_UPLOADS && state.waiting.length > 0) {
      const tile = state.waiting.shift();
      state.sending++;
      send(tile).finally(() => {
        state.sending--;
        pump();
      });
    }
  }

  // One image, one POST /v1/jobs: a refused file fails alone.
  async function send(tile) {
    setState(tile, 'uploading', 'uploading');
    if (!state.firstSent) {
      state.firstSent = Date.now();
    }
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
      state.waiting.unshift(tile); // sent again once the key is given
      setState(tile, 'waiting', 'waiting for the API key');
      return;
    }
    if (!res.ok) {
      fail(tile, await errorText(res));
      return;
    }
    const body = await res.json();
    tile.jobId = body.jobs[0].job_id;
    state.tiles.set(tile.jobId, tile);
    setState(tile, 'queued', 'queued');
    const early = state.early.get(tile.jobId);
    if (early) {
      state.early.delete(tile.jobId);
      result(early);
    }
  }

  function result(event) {
    const tile = state.tiles.get(event.job_id);
    if (!tile) {
      // maybe ours, its POST not answered yet; or another client's job (kept briefly)
      state.early.set(event.job_id, event);
      if (state.early.size > 2000) {
        state.early.delete(state.early.keys().next().value);
      }
      return;
    }
    if (event.status === 'done') {
      done(tile, event);
    } else if (event.status === 'failed' && tile.li.dataset.state !== 'failed') {
      const f = event.failure || {};
      fail(tile, (f.code ? f.code + ': ' : '') + (f.message || 'failed'));
    }
  }

  // ------------------------------------------------------------------ events (server push)

  // fetch, not EventSource: EventSource cannot send the API key header.
  async function listen() {
    for (;;) {
      await keyReady();
      try {
        const res = await api('/v1/events', { headers: { Accept: 'text/event-stream' }, cache: 'no-store' });
        if (res.ok && res.body) {
          connection('live', 'Live: results are pushed as they arrive');
          catchUp();
          await read(res.body.getReader());
        }
      } catch (e) {
        // reconnect below
      }
      connection('down', 'Disconnected; reconnecting…');
      await sleep(2000);
    }
  }

  async function read(reader) {
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done: end } = await reader.read();
      if (end) {
        return;
      }
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let name = 'message';
        let data = '';
        block.split('\n').forEach((line) => {
          if (line.startsWith('event:')) {
            name = line.slice(6).trim();
          } else if (line.startsWith('data:')) {
            data += line.slice(5).replace(/^ /, '');
          }
        });
        if (name === 'result' && data) {
          result(JSON.parse(data));
        }
      }
    }
  }

  // After a (re)connection: results pushed while disconnected were missed; ask for those jobs once.
  async function catchUp() {
    for (const tile of state.tiles.values()) {
      if (tile.li.dataset.state !== 'queued') {
        continue;
      }
      const res = await api('/v1/jobs/' + encodeURIComponent(tile.jobId));
      if (res.ok) {
        const s = await res.json();
        if (s.status === 'done' || s.status === 'failed') {
          result({ job_id: tile.jobId, status: s.status, image: s.image, failure: s.failure });
        }
      }
    }
  }

  function connection(s, text) {
    $('connection').dataset.state = s;
    $('connection').textContent = text;
  }

  // ------------------------------------------------------------------ throughput chart

  async function stats() {
    for (;;) {
      await keyReady();
      try {
        const res = await api('/v1/stats?window=1m');
        if (res.ok) {
          const s = await res.json();
          state.rates.push(s.images_per_second);
          if (state.rates.length > 60) {
            state.rates.shift();
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
    const max = Math.max(1, ...state.rates);
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
    state.rates.forEach((r, i) => {
      const x = (i / 59) * (w - 1);
      const y = h - pad - (r / max) * (h - 2 * pad);
      if (i === 0) {
        g.moveTo(x, y);
      } else {
        g.lineTo(x, y);
      }
    });
    g.stroke();
    const last = state.rates[state.rates.length - 1];
    canvas.setAttribute('aria-label', 'Throughput, last minute: ' + last.toFixed(2) + ' images/s');
  }

  // ------------------------------------------------------------------ ZIP

  $('zip-prepare').addEventListener('click', async () => {
    const ids = state.all.filter((t) => t.li.dataset.state === 'done').map((t) => t.jobId);
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

  // ------------------------------------------------------------------ picking and dropping

  $('files').addEventListener('change', (e) => {
    add(Array.from(e.target.files));
    e.target.value = '';
  });
  $('folder').addEventListener('change', (e) => {
    add(Array.from(e.target.files).filter((f) => f.type.startsWith('image/')));
    e.target.value = '';
  });
  if ('webkitdirectory' in document.createElement('input')) {
    $('folder-picker').hidden = false;
  }

  const drop = $('drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', async (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const entries = Array.from(e.dataTransfer.items || [])
      .map((i) => (i.webkitGetAsEntry ? i.webkitGetAsEntry() : null))
      .filter((x) => x);
    if (entries.length === 0) {
      add(Array.from(e.dataTransfer.files));
      return;
    }
    const files = [];
    for (const entry of entries) {
      await collect(entry, files, entry.isDirectory);
    }
    add(files);
  });

  // A dropped folder's images, at any depth (dropped files are taken whatever their type).
  async function collect(entry, out, inFolder) {
    if (entry.isFile) {
      const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
      if (!inFolder || file.type.startsWith('image/')) {
        out.push(file);
      }
      return;
    }
    const reader = entry.createReader();
    for (;;) {
      const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
      if (batch.length === 0) {
        return;
      }
      for (const child of batch) {
        await collect(child, out, true);
      }
    }
  }

  function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  // ------------------------------------------------------------------ start

  fetch('/v1/ui-config')
    .then((r) => r.json())
    .then((cfg) => {
      applyConfig(cfg);
      listen();
      stats();
    })
    .catch((e) => connection('down', 'Cannot read /v1/ui-config: ' + e.message));
})();
