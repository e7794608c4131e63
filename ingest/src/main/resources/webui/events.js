// Results pushed by the server (Server-Sent Events on /v1/events), with a catch-up after each
// (re)connection for what was pushed while disconnected.

import { $, api, keyReady, sleep } from './server.js';

export function connection(s, text) {
  $('connection').dataset.state = s;
  $('connection').textContent = text;
}

// onResult gets each result event; queuedJobIds() names the jobs still waiting for theirs.
// fetch, not EventSource: EventSource cannot send the API key header.
export async function listen(onResult, queuedJobIds) {
  for (;;) {
    await keyReady();
    try {
      const res = await api('/v1/events', { headers: { Accept: 'text/event-stream' }, cache: 'no-store' });
      if (res.ok && res.body) {
        connection('live', 'Live: results are pushed as they arrive');
        catchUp(onResult, queuedJobIds());
        await read(res.body.getReader(), onResult);
      }
    } catch (e) {
      // reconnect below
    }
    connection('down', 'Disconnected; reconnecting…');
    await sleep(2000);
  }
}

async function read(reader, onResult) {
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
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
        onResult(JSON.parse(data));
      }
    }
  }
}

// Results pushed while disconnected were missed: ask for those jobs once.
async function catchUp(onResult, jobIds) {
  for (const jobId of jobIds) {
    const res = await api('/v1/jobs/' + encodeURIComponent(jobId));
    if (res.ok) {
      const s = await res.json();
      if (s.status === 'done' || s.status === 'failed') {
        onResult({ job_id: jobId, status: s.status, image: s.image, failure: s.failure });
      }
    }
  }
}
