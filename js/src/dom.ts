// DOM helpers: create an element, listen with a disposer, download a canvas as a PNG.

/** A new ``tag`` element of ``doc`` with class ``cls`` (and text, when given). */
export function el<K extends keyof HTMLElementTagNameMap>(doc: Document, tag: K, cls: string, text?: string): HTMLElementTagNameMap[K] {
  const node = doc.createElement(tag);
  node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Add an event listener; returns the function that removes it. */
export function listen<T extends EventTarget, K extends keyof HTMLElementEventMap>(
  target: T,
  type: K,
  fn: (e: HTMLElementEventMap[K]) => void,
): () => void {
  target.addEventListener(type, fn as EventListener);
  return () => target.removeEventListener(type, fn as EventListener);
}

/** Save what ``canvas`` shows as a PNG file named ``name`` (through a temporary link). */
export function downloadCanvas(canvas: HTMLCanvasElement, name: string): void {
  canvas.toBlob((blob) => {
    if (!blob) return;
    const link = canvas.ownerDocument.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }, "image/png");
}
