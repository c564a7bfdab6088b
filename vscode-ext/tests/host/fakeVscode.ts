/**
 * Just enough of the `vscode` API to run the extension's ServerManager (and the real
 * vscode-languageclient under it) in plain Node, against the real language server:
 * VS Code itself cannot be downloaded here. Settings come from `fake.settings`; what
 * the extension shows the user is recorded in `fake.shown`. Anything not modelled is a
 * do-nothing stub that returns a disposable.
 */
import { promises as fs } from 'node:fs';
import { URL, fileURLToPath, pathToFileURL } from 'node:url';

export const fake = {
    settings: {} as Record<string, unknown>,
    shown: [] as { kind: string; message: string; items: string[] }[],
    log: [] as string[],
    /** Webview panels created, with what the extension did to them. */
    panels: [] as FakePanel[],
    /** Editors opened by showTextDocument: the file and the selected lines (0-based). */
    opened: [] as { uri: string; selection: [number, number] }[],
};

export interface FakePanel {
    viewType: string;
    title: string;
    html: string;
    posted: unknown[];
    /** Sends a message from the page to the extension; resolves when it is handled. */
    receive(message: unknown): Promise<void>;
}

type Listener<T> = (value: T) => unknown;

export class Disposable {
    constructor(private readonly callOnDispose: () => unknown = () => undefined) {}
    static from(...items: { dispose(): unknown }[]): Disposable {
        return new Disposable(() => items.forEach((item) => item.dispose()));
    }
    dispose(): void {
        this.callOnDispose();
    }
}

export class EventEmitter<T> {
    private listeners: Listener<T>[] = [];
    readonly event = (listener: Listener<T>): Disposable => {
        this.listeners.push(listener);
        return new Disposable(() => (this.listeners = this.listeners.filter((l) => l !== listener)));
    };
    fire(value: T): void {
        this.listeners.forEach((listener) => listener(value));
    }
    dispose(): void {
        this.listeners = [];
    }
}

export class Uri {
    private constructor(private readonly url: URL) {}
    static file(path: string): Uri {
        return new Uri(pathToFileURL(path));
    }
    static parse(value: string): Uri {
        return new Uri(new URL(value));
    }
    static joinPath(base: Uri, ...parts: string[]): Uri {
        return new Uri(new URL(parts.join('/'), base.url.href.endsWith('/') ? base.url : `${base.url.href}/`));
    }
    get scheme(): string {
        return this.url.protocol.replace(/:$/, '');
    }
    get path(): string {
        return this.url.pathname;
    }
    get fsPath(): string {
        return fileURLToPath(this.url);
    }
    toString(): string {
        return this.url.href;
    }
    toJSON(): string {
        return this.url.href;
    }
}

export class CancellationError extends Error {}
export class CancellationTokenSource {
    token = { isCancellationRequested: false, onCancellationRequested: () => new Disposable() };
    cancel(): void {}
    dispose(): void {}
}
export class Position {
    constructor(readonly line: number, readonly character: number) {}
}
export class Range {
    constructor(readonly start: Position, readonly end: Position) {}
}
export class Selection extends Range {}
export enum TextEditorRevealType { Default = 0, InCenter = 1, InCenterIfOutsideViewport = 2, AtTop = 3 }
// Base classes vscode-languageclient extends when it loads.
export class CallHierarchyItem {}
export class CodeAction {}
export class CodeLens {}
export class CompletionItem {}
export class Diagnostic {}
export class DocumentLink {}
export class InlayHint {}
export class SymbolInformation {}
export class TypeHierarchyItem {}
export class TabInputText {}
export class TabInputTextDiff {}
export class TabInputNotebook {}
export class TabInputCustom {}

/** An enum whose every member is its own name (only identity matters to the client). */
const names = () => new Proxy({}, { get: (_target, key) => String(key) });
export const CodeActionKind = names();
export const CompletionItemKind = names();
export const CompletionItemTag = names();
export const DiagnosticSeverity = names();
export const DiagnosticTag = names();
export const DocumentHighlightKind = names();
export const FoldingRangeKind = names();
export const SymbolKind = names();
export const SymbolTag = names();

export enum LogLevel { Off = 0, Trace = 1, Debug = 2, Info = 3, Warning = 4, Error = 5 }
export enum LanguageStatusSeverity { Information = 0, Warning = 1, Error = 2 }
export enum ProgressLocation { SourceControl = 1, Window = 10, Notification = 15 }
export enum ViewColumn { Active = -1, Beside = -2, One = 1 }
export const version = '1.91.0';
export const env = { appName: 'fake', language: 'en', openExternal: async () => true };

/** A function that does nothing and returns a disposable: every `register*` and `on*`. */
const stub = () => new Disposable();

function logChannel(name: string) {
    const write = (level: string) => (message: string) => fake.log.push(`[${name}] ${level} ${message}`);
    return {
        name, append: write('text'), appendLine: write('text'), replace: write('text'), clear: stub,
        show: stub, hide: stub, dispose: stub, trace: write('trace'), debug: write('debug'),
        info: write('info'), warn: write('warn'), error: write('error'),
        logLevel: 2, onDidChangeLogLevel: stub,
    };
}

function show(kind: string) {
    return async (message: string, ...items: unknown[]) => {
        fake.shown.push({ kind, message, items: items.filter((i): i is string => typeof i === 'string') });
        return undefined;
    };
}

function createWebviewPanel(viewType: string, title: string) {
    const listeners: ((message: unknown) => unknown)[] = [];
    const record: FakePanel = {
        viewType,
        title,
        html: '',
        posted: [],
        receive: async (message) => {
            await Promise.all(listeners.map((listener) => listener(message)));
        },
    };
    fake.panels.push(record);
    const webview = {
        cspSource: 'https://fake.vscode-cdn.net',
        asWebviewUri: (uri: Uri) => Uri.parse(`https://fake.vscode-cdn.net${uri.path}`),
        postMessage: async (message: unknown) => {
            record.posted.push(message);
            return true;
        },
        onDidReceiveMessage: (listener: (message: unknown) => unknown) => {
            listeners.push(listener);
            return new Disposable();
        },
        set html(value: string) {
            record.html = value;
        },
        get html() {
            return record.html;
        },
    };
    return { webview, reveal: stub, onDidDispose: stub, dispose: stub, iconPath: undefined as unknown };
}

async function showTextDocument(uri: Uri, options: { selection?: Range } = {}) {
    const lines = (await fs.readFile(uri.fsPath, 'utf8')).split('\n');
    const entry = { uri: uri.toString(), selection: [options.selection?.start.line ?? 0, options.selection?.end.line ?? 0] as [number, number] };
    fake.opened.push(entry);
    return {
        document: {
            uri,
            lineCount: lines.length,
            lineAt: (line: number) => ({ range: new Range(new Position(line, 0), new Position(line, lines[line].length)) }),
        },
        set selection(value: Range) {
            entry.selection = [value.start.line, value.end.line];
        },
        revealRange: stub,
    };
}

export const window = {
    createOutputChannel: (name: string) => logChannel(name),
    createWebviewPanel,
    showTextDocument,
    showErrorMessage: show('error'),
    showWarningMessage: show('warning'),
    showInformationMessage: show('info'),
    setStatusBarMessage: stub,
    withProgress: async (_options: unknown, task: () => unknown) => task(),
    activeTextEditor: undefined,
    visibleTextEditors: [],
    tabGroups: { all: [], onDidChangeTabs: stub, onDidChangeTabGroups: stub },
    onDidChangeActiveTextEditor: stub,
    onDidChangeVisibleTextEditors: stub,
};

export const workspace = {
    workspaceFolders: undefined,
    textDocuments: [],
    notebookDocuments: [],
    getConfiguration: (section?: string) => ({
        get: <T>(key: string, fallback?: T): T | undefined => {
            const full = section ? `${section}.${key}` : key;
            return full in fake.settings ? (fake.settings[full] as T) : fallback;
        },
        has: (key: string) => `${section}.${key}` in fake.settings,
        update: async () => undefined,
        inspect: () => undefined,
    }),
    createFileSystemWatcher: () => ({ onDidCreate: stub, onDidChange: stub, onDidDelete: stub, dispose: stub }),
    onDidChangeConfiguration: stub,
    onDidOpenTextDocument: stub,
    onDidCloseTextDocument: stub,
    onDidChangeTextDocument: stub,
    onDidSaveTextDocument: stub,
    onWillSaveTextDocument: stub,
    onDidChangeWorkspaceFolders: stub,
    applyEdit: async () => true,
    fs: { stat: async (uri: Uri) => fs.stat(uri.fsPath) },
};

export const languages = new Proxy(
    {
        match: () => 0,
        createDiagnosticCollection: () => ({ set: stub, delete: stub, clear: stub, dispose: stub, forEach: stub }),
        createLanguageStatusItem: () => ({ dispose: stub }),
    } as Record<string, unknown>,
    { get: (target, key: string) => target[key] ?? stub },
);

export const commands = { registerCommand: stub, executeCommand: async () => undefined };
