/**
 * Runs inside the call-flow webview: makes the nodes of the SVG clickable (a click
 * asks the extension to show the node's source line), zooms, and swaps in a new SVG
 * when the extension sends one. Bundled for the browser into dist/webview.js.
 */
import { parseSourceRef, SourceRef } from '../sourceRef';

interface VsCodeApi {
    postMessage(message: unknown): void;
    getState(): unknown;
    setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

type Incoming =
    | { type: 'update'; body: string; status?: string }
    | { type: 'status'; text: string; error?: boolean };

interface State {
    zoom: number | 'fit';
}

const XLINK = 'http://www.w3.org/1999/xlink';
const ZOOM_STEP = 1.25;

const vscode = acquireVsCodeApi();
const graph = document.getElementById('graph') as HTMLElement;
const status = document.getElementById('status') as HTMLElement;
let state: State = readState();

/** The source position of a node, cluster or edge group, from its link, id or tooltip. */
function sourceOf(group: Element): SourceRef | undefined {
    const link = group.querySelector('a');
    const candidates = [
        link?.getAttribute('href'),
        link?.getAttributeNS(XLINK, 'href'),
        group.getAttribute('id'),
        link?.getAttributeNS(XLINK, 'title'),
        link?.getAttribute('title'),
        group.querySelector(':scope > title')?.textContent,
    ];
    for (const candidate of candidates) {
        const ref = parseSourceRef(candidate);
        if (ref) {
            return ref;
        }
    }
    return undefined;
}

function decorate(): void {
    for (const group of Array.from(graph.querySelectorAll('g.node, g.cluster, g.edge'))) {
        const ref = sourceOf(group);
        if (!ref) {
            continue;
        }
        group.classList.add('source-link');
        group.setAttribute('data-line', String(ref.line));
        if (ref.column !== undefined) {
            group.setAttribute('data-column', String(ref.column));
        }
        if (ref.file !== undefined) {
            group.setAttribute('data-file', ref.file);
        }
        if (group.classList.contains('node')) {
            group.setAttribute('tabindex', '0');
            group.setAttribute('role', 'link');
        }
    }
    applyZoom();
}

function reveal(group: Element): void {
    const line = Number(group.getAttribute('data-line'));
    const column = group.getAttribute('data-column');
    const file = group.getAttribute('data-file');
    for (const selected of Array.from(graph.querySelectorAll('.selected'))) {
        selected.classList.remove('selected');
    }
    group.classList.add('selected');
    vscode.postMessage({
        type: 'reveal',
        line,
        ...(column !== null ? { column: Number(column) } : {}),
        ...(file !== null ? { file } : {}),
    });
}

/** The clickable group under an event target; nodes win over the clusters around them. */
function linkedGroup(target: EventTarget | null): Element | undefined {
    if (!(target instanceof Element)) {
        return undefined;
    }
    return target.closest('g.node.source-link, g.edge.source-link, g.cluster.source-link') ?? undefined;
}

graph.addEventListener('click', (event) => {
    if (event.target instanceof Element && event.target.closest('a')) {
        event.preventDefault(); // graphviz links must not navigate the webview
    }
    const group = linkedGroup(event.target);
    if (group) {
        reveal(group);
    }
});

graph.addEventListener('keydown', (event) => {
    const group = linkedGroup(event.target);
    if (group && (event.key === 'Enter' || event.key === ' ')) {
        event.preventDefault();
        reveal(group);
    }
});

function svgElement(): SVGSVGElement | null {
    return graph.querySelector('svg');
}

function applyZoom(): void {
    const svg = svgElement();
    if (!svg) {
        return;
    }
    if (state.zoom === 'fit') {
        svg.classList.add('fit');
        svg.style.removeProperty('width');
        svg.style.removeProperty('height');
        return;
    }
    svg.classList.remove('fit');
    const width = svg.width.baseVal.value;
    const height = svg.height.baseVal.value;
    if (width > 0 && height > 0) {
        svg.style.width = `${width * state.zoom}px`;
        svg.style.height = `${height * state.zoom}px`;
    }
}

function setZoom(zoom: State['zoom']): void {
    state = { ...state, zoom };
    vscode.setState(state);
    applyZoom();
}

function currentScale(): number {
    const svg = svgElement();
    if (state.zoom !== 'fit') {
        return state.zoom;
    }
    if (!svg || svg.width.baseVal.value === 0) {
        return 1;
    }
    return svg.getBoundingClientRect().width / svg.width.baseVal.value;
}

function zoomBy(factor: number): void {
    setZoom(Math.min(8, Math.max(0.1, currentScale() * factor)));
}

document.getElementById('zoom-in')?.addEventListener('click', () => zoomBy(ZOOM_STEP));
document.getElementById('zoom-out')?.addEventListener('click', () => zoomBy(1 / ZOOM_STEP));
document.getElementById('zoom-fit')?.addEventListener('click', () => setZoom('fit'));
document.addEventListener('keydown', (event) => {
    if (event.target instanceof Element && event.target.closest('input, textarea')) {
        return;
    }
    if (event.key === '+' || event.key === '=') {
        zoomBy(ZOOM_STEP);
    } else if (event.key === '-') {
        zoomBy(1 / ZOOM_STEP);
    } else if (event.key === '0') {
        setZoom('fit');
    }
});

window.addEventListener('message', (event: MessageEvent<Incoming>) => {
    const message = event.data;
    if (message.type === 'update') {
        graph.innerHTML = message.body; // sanitized by the extension (graphPage.sanitizeSvg)
        graph.classList.remove('stale');
        setStatus(message.status ?? '', false);
        decorate();
    } else if (message.type === 'status') {
        setStatus(message.text, message.error === true);
        graph.classList.toggle('stale', message.error === true);
    }
});

function setStatus(text: string, error: boolean): void {
    status.textContent = text;
    status.classList.toggle('error', error);
}

function readState(): State {
    const saved = vscode.getState() as Partial<State> | undefined;
    const zoom = saved?.zoom;
    return { zoom: typeof zoom === 'number' && zoom > 0 ? zoom : 'fit' };
}

decorate();
vscode.postMessage({ type: 'ready' });
