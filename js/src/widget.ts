// The anywidget entry point: renders a MinimapView into the element anywidget (or the HTML page) hands over.
import type { AnyWidget } from "@anywidget/types";
import type { Traits } from "./contract";
import type { Model } from "./sync";
import { MinimapView } from "./view";

function render({ model, el }: { model: Model; el: HTMLElement }): () => void {
  const view = new MinimapView(model, el);
  return () => view.dispose();
}

export default { render } satisfies AnyWidget<Traits>;
