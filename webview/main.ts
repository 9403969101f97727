// The results panel's webview bundle (dist/webview.js, dist/webview.css).
import 'uplot/dist/uPlot.min.css';
import './webview.css';
import './toolkit';
import './components/app';
