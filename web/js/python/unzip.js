// Reading a zip archive (a Python wheel) in the browser, with the browser's own DecompressionStream.
// Only what wheels use: stored or deflated entries; no zip64, no encryption, no multi-part archives.

const utf8 = new TextDecoder();

async function inflate(bytes, method) {
  if (method === 0) return bytes;
  if (method !== 8) throw new Error(`unsupported zip compression method ${method}`);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The files of the zip archive in `buffer` (an ArrayBuffer) as [path, bytes] pairs, in archive order. */
export async function unzip(buffer) {
  const view = new DataView(buffer);
  let end = buffer.byteLength - 22; // the end-of-directory record, found from the back
  while (end >= 0 && view.getUint32(end, true) !== 0x06054b50) end--;
  if (end < 0) throw new Error("not a zip archive");
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const files = [];
  for (let i = 0; i < count; i++) {
    if (view.getUint32(at, true) !== 0x02014b50) throw new Error("the zip archive's file list is damaged");
    const method = view.getUint16(at + 10, true);
    const packed = view.getUint32(at + 20, true);
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const local = view.getUint32(at + 42, true);
    const name = utf8.decode(new Uint8Array(buffer, at + 46, nameLength));
    at += 46 + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    if (name.endsWith("/")) continue; // a folder
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    files.push(inflate(new Uint8Array(buffer, start, packed), method).then((bytes) => {
      if (bytes.length !== size) throw new Error(`${name} in the zip archive is damaged`);
      return [name, bytes];
    }));
  }
  return Promise.all(files);
}
