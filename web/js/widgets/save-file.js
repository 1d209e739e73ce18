// Hands bytes to the browser as a download with a file name (a model, an experiment).

/** Offer `bytes` (a Uint8Array) for download as `name`. */
export function saveFile(bytes, name, type = "application/octet-stream") {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
