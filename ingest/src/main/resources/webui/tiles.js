// One tile per image: its preview, state and message, and once done its cutout, a switch back to
// the original and a download link; with the summary line over all tiles.

import { $, api, sleep } from './server.js';

const all = [];
let firstSent = 0;
let lastFinished = 0;

export function newTile(file) {
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
  all.push(tile);
  return tile;
}

export function stateOf(tile) {
  return tile.li.dataset.state;
}

export function setState(tile, s, text) {
  tile.li.dataset.state = s;
  tile.st.textContent = text;
  if (s === 'uploading' && !firstSent) {
    // the summary's images/s counts from the first upload
    firstSent = Date.now();
  }
  summary();
}

export function fail(tile, text) {
  lastFinished = Date.now();
  setState(tile, 'failed', 'failed');
  tile.message.textContent = text;
  tile.message.hidden = false;
}

// A message under a tile that has not failed (why it waits); empty hides it.
export function note(tile, text) {
  tile.message.textContent = text;
  tile.message.hidden = !text;
}

export function doneJobIds() {
  return all.filter((t) => stateOf(t) === 'done').map((t) => t.jobId);
}

export async function done(tile, event) {
  if (stateOf(tile) === 'done') {
    return;
  }
  lastFinished = Date.now();
  setState(tile, 'done', 'done' + (event.image ? ' · ' + event.image.width + '×' + event.image.height : ''));
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
  const count = (s) => all.filter((t) => stateOf(t) === s).length;
  const ok = count('done');
  const failed = count('failed');
  const finished = ok + failed;
  const total = all.length;
  if (total === 0) {
    $('summary').textContent = 'No images yet.';
    return;
  }
  let text = finished + ' of ' + total + ' finished · ' + ok + ' done · ' + failed + ' failed';
  if (firstSent && finished > 0) {
    const seconds = Math.max(0.001, ((finished === total ? lastFinished : Date.now()) - firstSent) / 1000);
    text += ' · ' + (finished / seconds).toFixed(2) + ' images/s';
  }
  $('summary').textContent = text;
}
