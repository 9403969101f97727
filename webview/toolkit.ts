// The only module that imports @vscode/webview-ui-toolkit (deprecated upstream): moving to
// its successor means changing this file and the tag names the components use.
import {
  provideVSCodeDesignSystem, vsCodeButton, vsCodeCheckbox, vsCodeDivider, vsCodeDropdown, vsCodeOption,
  vsCodePanels, vsCodePanelTab, vsCodePanelView, vsCodeProgressRing, vsCodeTag, vsCodeTextField,
} from '@vscode/webview-ui-toolkit';

provideVSCodeDesignSystem().register(
  vsCodeButton(), vsCodeCheckbox(), vsCodeDivider(), vsCodeDropdown(), vsCodeOption(), vsCodePanels(),
  vsCodePanelTab(), vsCodePanelView(), vsCodeProgressRing(), vsCodeTag(), vsCodeTextField(),
);
