/**
 * Test tool (not shipped): writes the call-flow page exactly as the extension builds
 * it, around a given SVG, so tests/vscode can open it in headless Chromium.
 *
 *   node out/tools/previewPage.js --svg graph.svg --out page.html [--harness] [--title router.swr]
 *
 * The webview's `acquireVsCodeApi` does not exist in a browser; the page always gets a
 * stand-in (a nonce-carrying script) that records posted messages on <html data-posted>.
 * `--harness` also clicks every node after load (then zooms in, out twice and back to
 * fit, recording the SVG's width on <html data-zoom-widths>) and adds a script and a
 * handler WITHOUT the nonce, which the content security policy must block
 * (<html data-unsafe> stays unset).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { graphPageHtml } from '../src/graphPage';

const NONCE = 'TestNonce0123456789abcdefABCDEF01';

function argument(name: string): string | undefined {
    const at = process.argv.indexOf(name);
    return at >= 0 ? process.argv[at + 1] : undefined;
}

const svgPath = argument('--svg');
const outPath = argument('--out');
if (!svgPath || !outPath) {
    console.error('usage: previewPage --svg FILE --out FILE [--harness] [--title NAME]');
    process.exit(2);
}
const root = path.resolve(__dirname, '..', '..');
const fileUrl = (relative: string) => pathToFileURL(path.join(root, relative)).href;

let html = graphPageHtml({
    cspSource: 'file:',
    nonce: NONCE,
    scriptUri: fileUrl('dist/webview.js'),
    styleUri: fileUrl('media/graph.css'),
    title: argument('--title') ?? path.basename(svgPath),
    svg: readFileSync(svgPath, 'utf8'),
    status: 'Rendered. Click a box to see its source.',
});

const standIn = `<script nonce="${NONCE}">
window.acquireVsCodeApi = () => {
    const posted = [];
    let state;
    return {
        postMessage(message) {
            posted.push(message);
            document.documentElement.setAttribute('data-posted', JSON.stringify(posted));
        },
        getState: () => state,
        setState(value) { state = value; },
    };
};
</script>
`;
html = html.replace('<script nonce=', `${standIn}<script nonce=`);

if (process.argv.includes('--harness')) {
    const clicker = `<script nonce="${NONCE}">
const clickable = [...document.querySelectorAll('#graph g.node')];
document.documentElement.setAttribute('data-nodes', String(clickable.length));
document.documentElement.setAttribute('data-linked', String(document.querySelectorAll('#graph g.node[data-line]').length));
for (const node of clickable) {
    const target = node.querySelector('text') || node;
    target.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true }));
}
const svg = document.querySelector('#graph svg');
const widths = [svg.getBoundingClientRect().width];
document.getElementById('zoom-in').click();
widths.push(svg.getBoundingClientRect().width);
document.getElementById('zoom-out').click();
document.getElementById('zoom-out').click();
widths.push(svg.getBoundingClientRect().width);
document.dispatchEvent(new KeyboardEvent('keydown', { key: '0', bubbles: true }));
widths.push(svg.getBoundingClientRect().width);
document.documentElement.setAttribute('data-zoom-widths', JSON.stringify(widths));
</script>
<script>document.documentElement.setAttribute('data-unsafe', 'inline script ran');</script>
<img alt="" src="data:," onerror="document.documentElement.setAttribute('data-unsafe', 'handler ran')" onload="document.documentElement.setAttribute('data-unsafe', 'handler ran')">
`;
    html = html.replace('</body>', `${clicker}</body>`);
}

writeFileSync(outPath, html);
