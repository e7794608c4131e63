// Picking files, picking a folder, and dropping either on the page.

import { $ } from './server.js';

// add gets each batch of picked or dropped files.
export function onFilesPicked(add) {
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
}

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
