// The only module that imports @vscode/webview-ui-toolkit (deprecated upstream): moving to
// its successor means changing this file and the tag names the components use.
import {
  Dropdown, provideVSCodeDesignSystem, vsCodeButton, vsCodeCheckbox, vsCodeDivider, vsCodeDropdown, vsCodeOption,
  vsCodePanels, vsCodePanelTab, vsCodePanelView, vsCodeProgressRing, vsCodeTag, vsCodeTextField,
} from '@vscode/webview-ui-toolkit';

provideVSCodeDesignSystem().register(
  vsCodeButton(), vsCodeCheckbox(), vsCodeDivider(), vsCodeDropdown(), vsCodeOption(), vsCodePanels(),
  vsCodePanelTab(), vsCodePanelView(), vsCodeProgressRing(), vsCodeTag(), vsCodeTextField(),
);

// A dropdown opened with the keyboard focuses itself a frame later (FAST's Select queues the
// focus() on requestAnimationFrame). Enter, an arrow, Enter and Tab within that frame (or while
// a redraw holds the frame back, as the loss chart's does on a new x axis) closed it and moved
// on, and then the queued focus pulled the focus back: Tab seemed swallowed, Shift+Tab skipped
// a control. The queued call is dropped when the dropdown has closed in between.
const openFocusPending = Symbol('openFocusPending');
type PatchedDropdown = Dropdown & { [openFocusPending]?: boolean; openChanged(prev: boolean, next: boolean): void };
const dropdownPrototype = Dropdown.prototype as PatchedDropdown;
const { openChanged, focus } = dropdownPrototype;
dropdownPrototype.openChanged = function (this: PatchedDropdown, prev: boolean, next: boolean) {
  if (next) this[openFocusPending] = true;
  openChanged.call(this, prev, next);
};
dropdownPrototype.focus = function (this: PatchedDropdown, options?: FocusOptions) {
  if (this[openFocusPending]) {
    this[openFocusPending] = false;
    if (!this.open) return;
  }
  focus.call(this, options);
};
