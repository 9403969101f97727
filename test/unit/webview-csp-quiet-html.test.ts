// webview/cspQuietHtml.ts: no start tag a browser could find in the result carries an event
// handler or a style attribute, whichever way the tree builder reads comments and raw text,
// and markup without them is left as it was.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cspQuietHtml } from '../../webview/cspQuietHtml';

describe('cspQuietHtml', { timeout: 10_000 }, () => {
  it('leaves markup without handlers or styles as it was', () => {
    const html = '<h1 id="a">T</h1>\n<table><tr><td align="center">1</td></tr></table>\n<pre><code>&lt;img onerror=x&gt;</code></pre>\n<img src="x.png" alt="one > two">';
    assert.equal(cspQuietHtml(html), html);
  });

  it('drops handler and style attributes, quoted, unquoted, upper case or glued to the previous one', () => {
    assert.equal(cspQuietHtml('<img src="x" onerror="a()">'), '<img src="x"  >');
    assert.equal(cspQuietHtml('<IMG SRC=x ONERROR=a()>'), '<IMG SRC=x  >');
    assert.equal(cspQuietHtml('<img src="x"onerror=a() />'), '<img src="x"  />');
    assert.equal(cspQuietHtml('<p style="color:red" title=\'t\'>x</p>'), '<p   title=\'t\'>x</p>');
    assert.equal(cspQuietHtml('<svg/onload=a()>'), '<svg/ >');
  });

  it('finds tags hidden from one reading of the text but not from another', () => {
    // Raw text ends at </textarea> for the browser: the second <img> is a tag.
    assert.doesNotMatch(cspQuietHtml('<textarea><img x="</textarea><img src onerror=a()>">'), /onerror/);
    // A comment ends at -->: what follows it is a tag.
    assert.doesNotMatch(cspQuietHtml('<!-- <a title="--><img src=x onerror=a()>"> -->'), /onerror/);
    // Inside <math>, <style> is not raw text: its <img> is a tag.
    assert.doesNotMatch(cspQuietHtml('<math><mtext><table><mglyph><style><img src=x onerror=a()>'), /onerror/);
  });

  it('renames <style> elements, so the parser checks no inline style sheet', () => {
    assert.equal(cspQuietHtml('<STYLE media=x>h1{}</style >'), '<noembed media=x>h1{}</noembed >');
    assert.equal(cspQuietHtml('<styles>'), '<styles>');
  });
});
