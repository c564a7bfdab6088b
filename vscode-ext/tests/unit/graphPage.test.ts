import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentSecurityPolicy, escapeHtml, graphBody, graphPageHtml, makeNonce, sanitizeSvg } from '../../src/graphPage';

const page = graphPageHtml({
    cspSource: 'https://webview.example',
    nonce: 'N0nce',
    scriptUri: 'https://webview.example/dist/webview.js',
    styleUri: 'https://webview.example/media/graph.css',
    title: 'router <1>.swr',
    svg: '<?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg width="10pt" height="10pt"><g class="node"><title>a</title></g></svg>\n',
});

test('the policy allows only our stylesheet and our nonce-carrying script', () => {
    const csp = contentSecurityPolicy('https://webview.example', 'N0nce');
    assert.match(csp, /^default-src 'none'; /);
    assert.match(csp, /script-src 'nonce-N0nce'/);
    assert.match(csp, /style-src https:\/\/webview\.example(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    assert.ok(page.includes(`content="${escapeHtml(csp)}"`));
});

test('the page loads one script, by nonce, and the SVG inline without its prolog', () => {
    assert.equal(page.match(/<script\b/g)?.length, 1);
    assert.ok(page.includes('<script nonce="N0nce" src="https://webview.example/dist/webview.js"></script>'));
    assert.ok(page.includes('<main id="graph" class="graph"><svg width="10pt" height="10pt">'));
    assert.doesNotMatch(page, /<\?xml|DOCTYPE svg/);
    assert.ok(page.includes('<title>Call flow: router &lt;1&gt;.swr</title>'));
});

test('sanitizeSvg drops scripts, foreign objects, handlers and javascript: links', () => {
    const svg = sanitizeSvg(
        '<svg onload="alert(1)"><script>alert(2)</script><script href="x"/><foreignObject><div>x</div></foreignObject>' +
            '<a xlink:href="javascript:alert(3)" xlink:title="line 4"><text ONCLICK=\'x()\'>t</text></a><a href="#L5">k</a></svg>',
    );
    assert.equal(
        svg,
        '<svg><a xlink:href="#" xlink:title="line 4"><text>t</text></a><a href="#L5">k</a></svg>',
    );
    assert.equal(sanitizeSvg('no picture here'), '');
});

test('without an SVG the DOT text is shown, escaped', () => {
    assert.equal(graphBody({ dot: 'digraph { a -> "<b>" }' }), '<pre class="dot">digraph { a -&gt; &quot;&lt;b&gt;&quot; }</pre>');
    assert.match(graphBody({}), /Rendering/);
});

test('nonces are 32 alphanumerics', () => {
    let counter = 0;
    const nonce = makeNonce((size) => Uint8Array.from({ length: size }, () => counter++ * 7));
    assert.match(nonce, /^[A-Za-z0-9]{32}$/);
});
