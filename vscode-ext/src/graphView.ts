/**
 * The call-flow preview: a webview beside the editor showing the SVG the server renders
 * for a document (`switchy.server.renderGraph`), refreshed when .swr files are saved or
 * the server says the graph changed; clicking a node shows its source line.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ServerManager } from './client';
import { graphBody, graphPageHtml, makeNonce } from './graphPage';
import { GraphChangedNotification, LanguageId, ServerCommand } from './ids';

/** What `switchy.server.renderGraph` returns. */
export interface RenderedGraph {
    svg?: string | null;
    dot?: string | null;
}

type FromWebview =
    | { type: 'ready' }
    | { type: 'reveal'; line: number; column?: number; file?: string };

class GraphPanel {
    private rendering = 0;

    constructor(
        readonly document: vscode.Uri,
        readonly panel: vscode.WebviewPanel,
        private readonly server: ServerManager,
        extensionUri: vscode.Uri,
    ) {
        const webview = panel.webview;
        webview.html = graphPageHtml({
            cspSource: webview.cspSource,
            nonce: makeNonce((size) => randomBytes(size)),
            scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js')).toString(),
            styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'graph.css')).toString(),
            title: path.basename(document.path),
            status: 'Rendering…',
        });
        webview.onDidReceiveMessage((message: FromWebview) => this.onMessage(message));
    }

    async refresh(): Promise<void> {
        const ticket = ++this.rendering;
        await this.post({ type: 'status', text: 'Rendering…' });
        try {
            const result = await this.server.executeServerCommand<RenderedGraph | null>(ServerCommand.renderGraph, [
                this.document.toString(),
            ]);
            if (ticket !== this.rendering) {
                return; // a newer refresh is on its way
            }
            const svg = result?.svg ?? undefined;
            const dot = result?.dot ?? undefined;
            const time = new Date().toLocaleTimeString();
            await this.post({
                type: 'update',
                body: graphBody({ svg, dot }),
                status: svg
                    ? `Rendered ${time}. Click a box to see its source.`
                    : dot
                      ? `No picture: graphviz's "dot" is not installed where the server runs (apt-get install graphviz). DOT text, ${time}.`
                      : `Nothing to draw (${time}).`,
            });
        } catch (error) {
            if (ticket === this.rendering) {
                await this.post({ type: 'status', text: `Could not render the call flow: ${messageOf(error)}`, error: true });
            }
        }
    }

    private async onMessage(message: FromWebview): Promise<void> {
        if (message.type === 'ready') {
            await this.refresh();
        } else if (message.type === 'reveal') {
            await this.reveal(message);
        }
    }

    private async reveal(target: { line: number; column?: number; file?: string }): Promise<void> {
        const uri = await this.resolveFile(target.file);
        const line = Math.max(0, target.line - 1);
        const column = Math.max(0, (target.column ?? 1) - 1);
        const position = new vscode.Position(line, column);
        const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
        const editor = await vscode.window.showTextDocument(uri, {
            viewColumn: visible?.viewColumn ?? vscode.ViewColumn.One,
            selection: new vscode.Range(position, position),
            preserveFocus: false,
        });
        const lineRange = editor.document.lineAt(Math.min(line, editor.document.lineCount - 1)).range;
        editor.selection = new vscode.Selection(lineRange.start, lineRange.end);
        editor.revealRange(lineRange, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    }

    /**
     * The file a node came from: the previewed document, or an included file. A relative
     * path is tried next to the document, then in each workspace folder.
     */
    private async resolveFile(file: string | undefined): Promise<vscode.Uri> {
        if (!file) {
            return this.document;
        }
        if (/^[a-z][a-z0-9+.-]*:\/\//i.test(file)) {
            return vscode.Uri.parse(file);
        }
        if (path.isAbsolute(file)) {
            return vscode.Uri.file(file);
        }
        const candidates = [
            vscode.Uri.joinPath(this.document, '..', file),
            ...(vscode.workspace.workspaceFolders ?? []).map((folder) => vscode.Uri.joinPath(folder.uri, file)),
        ];
        for (const candidate of candidates) {
            if (await exists(candidate)) {
                return candidate;
            }
        }
        return path.basename(file) === path.basename(this.document.path) ? this.document : candidates[0];
    }

    private async post(message: unknown): Promise<void> {
        await this.panel.webview.postMessage(message);
    }
}

export class GraphViewManager implements vscode.Disposable {
    private readonly panels = new Map<string, GraphPanel>();
    private readonly disposables: vscode.Disposable[] = [];

    constructor(
        private readonly server: ServerManager,
        private readonly extensionUri: vscode.Uri,
    ) {
        this.disposables.push(
            vscode.workspace.onDidSaveTextDocument((document) => {
                if (document.languageId === LanguageId) {
                    // Any saved .swr file may be included by a previewed one.
                    this.refreshAll();
                }
            }),
        );
        // The server re-checks a document when it or a file it includes changes, and says
        // so when the result has no errors. While the user is typing (unsaved changes)
        // the save will refresh the picture: no drawing on every keystroke.
        server.onNotification(GraphChangedNotification, (params) => {
            const uri = (params as { uri?: unknown } | undefined)?.uri;
            if (typeof uri !== 'string') {
                return;
            }
            const key = vscode.Uri.parse(uri).toString();
            const open = vscode.workspace.textDocuments.find((document) => document.uri.toString() === key);
            if (!open?.isDirty) {
                void this.panels.get(key)?.refresh();
            }
        });
    }

    /** Opens (or reveals) the preview of a document beside its editor. */
    async show(document: vscode.Uri): Promise<void> {
        const key = document.toString();
        const existing = this.panels.get(key);
        if (existing) {
            existing.panel.reveal(vscode.ViewColumn.Beside, true);
            await existing.refresh();
            return;
        }
        const panel = vscode.window.createWebviewPanel(
            'switchy.callFlow',
            `Call flow: ${path.basename(document.path)}`,
            { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
            {
                enableScripts: true,
                enableCommandUris: false,
                retainContextWhenHidden: false,
                localResourceRoots: [
                    vscode.Uri.joinPath(this.extensionUri, 'dist'),
                    vscode.Uri.joinPath(this.extensionUri, 'media'),
                ],
            },
        );
        panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'icon.png');
        const graphPanel = new GraphPanel(document, panel, this.server, this.extensionUri);
        this.panels.set(key, graphPanel);
        panel.onDidDispose(() => this.panels.delete(key), undefined, this.disposables);
        // The page asks for its first picture when its script is ready ('ready').
    }

    refreshAll(): void {
        for (const panel of this.panels.values()) {
            void panel.refresh();
        }
    }

    dispose(): void {
        for (const panel of this.panels.values()) {
            panel.panel.dispose();
        }
        for (const disposable of this.disposables) {
            disposable.dispose();
        }
    }
}

async function exists(uri: vscode.Uri): Promise<boolean> {
    try {
        await vscode.workspace.fs.stat(uri);
        return true;
    } catch {
        return false;
    }
}

function messageOf(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}
