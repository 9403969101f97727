// The webview's side of the channel to the extension host: every message in is checked
// before anyone sees it, every message out is typed. getState/setState keep the view
// across hiding and reloads (the panel does not use retainContextWhenHidden).
import { isHostToPanelMessage, type HostToPanelMessage, type PanelToHostMessage, type PanelViewState } from '../src/shared/panelMessages';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const api: VsCodeApi = acquireVsCodeApi();

export function postToHost(message: PanelToHostMessage): void {
  api.postMessage(message);
}

/** Calls `handler` with each valid message from the host; invalid ones are logged and dropped. */
export function onHostMessage(handler: (message: HostToPanelMessage) => void): void {
  window.addEventListener('message', (event: MessageEvent) => {
    if (isHostToPanelMessage(event.data)) handler(event.data);
    else console.warn('diffusion panel: ignored a message that is not a HostToPanelMessage', event.data);
  });
}

export function loadViewState(): unknown {
  return api.getState();
}

export function saveViewState(state: PanelViewState): void {
  api.setState(state);
}
