/**
 * The HTML of the call-flow webview: the renderer's SVG inline (so its nodes can be
 * clicked), a small toolbar, and a content security policy that allows only our own
 * stylesheet and our own script (by nonce). No `vscode` import: the Python tests build
 * this page under plain Node and open it in headless Chromium.
 */

export interface GraphPageOptions {
    /** The webview's resource origin (`webview.cspSource`). */
    cspSource: string;
    /** A fresh random nonce for this page. */
    nonce: string;
    /** URI of dist/webview.js, as the webview can load it. */
    scriptUri: string;
    /** URI of media/graph.css, as the webview can load it. */
    styleUri: string;
    /** The document's file name, shown in the toolbar. */
    title: string;
    /** The SVG from `switchy.server.renderGraph`; undefined while it is being rendered. */
    svg?: string;
    /** A line under the title: "rendered 12:01:07", an error, a hint. */
    status?: string;
    /** DOT text, shown when there is no SVG (graphviz's `dot` missing on the server's machine). */
    dot?: string;
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
    return [
        "default-src 'none'",
        `img-src ${cspSource} data:`,
        `style-src ${cspSource}`,
        `font-src ${cspSource}`,
        `script-src 'nonce-${nonce}'`,
        "base-uri 'none'",
        "form-action 'none'",
    ].join('; ');
}

export function graphPageHtml(options: GraphPageOptions): string {
    const csp = contentSecurityPolicy(options.cspSource, options.nonce);
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${escapeHtml(options.styleUri)}">
<title>Call flow: ${escapeHtml(options.title)}</title>
</head>
<body>
<header class="toolbar">
<span class="title">${escapeHtml(options.title)}</span>
<span id="status" class="status">${escapeHtml(options.status ?? '')}</span>
<span class="zoom">
<button type="button" id="zoom-out" title="Zoom out (-)">&#x2212;</button>
<button type="button" id="zoom-fit" title="Fit to the window (0)">Fit</button>
<button type="button" id="zoom-in" title="Zoom in (+)">+</button>
</span>
</header>
<main id="graph" class="graph">${graphBody(options)}</main>
<script nonce="${escapeHtml(options.nonce)}" src="${escapeHtml(options.scriptUri)}"></script>
</body>
</html>
`;
}

/** What goes inside <main>: the SVG, else the DOT text, else a placeholder. */
export function graphBody(options: Pick<GraphPageOptions, 'svg' | 'dot'>): string {
    if (options.svg) {
        return sanitizeSvg(options.svg);
    }
    if (options.dot) {
        return `<pre class="dot">${escapeHtml(options.dot)}</pre>`;
    }
    return '<p class="placeholder">Rendering the call flow…</p>';
}

/**
 * Keeps the <svg> element and drops what must not run or load inside the webview:
 * the XML prolog and doctype, scripts, foreign objects, event-handler attributes and
 * javascript: links. The CSP blocks these anyway; this keeps the page clean.
 */
export function sanitizeSvg(svg: string): string {
    const start = svg.search(/<svg[\s>]/i);
    if (start < 0) {
        return '';
    }
    const end = svg.toLowerCase().lastIndexOf('</svg>');
    let out = end > start ? svg.slice(start, end + '</svg>'.length) : svg.slice(start);
    out = out.replace(/<script\b[\s\S]*?(?:<\/script\s*>|\/>)/gi, '');
    out = out.replace(/<foreignObject\b[\s\S]*?(?:<\/foreignObject\s*>|\/>)/gi, '');
    out = out.replace(/\s+on[a-z]+\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)/gi, '');
    out = out.replace(/((?:xlink:)?href\s*=\s*)(["'])\s*javascript:[^"']*\2/gi, '$1$2#$2');
    return out;
}

export function escapeHtml(text: string): string {
    return text
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/"/g, '&quot;')
        .replace(/'/g, '&#39;');
}

/** 32 random alphanumerics from the given random source (crypto in the extension). */
export function makeNonce(randomBytes: (size: number) => Uint8Array): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    return Array.from(randomBytes(32), (byte) => alphabet[byte % alphabet.length]).join('');
}
