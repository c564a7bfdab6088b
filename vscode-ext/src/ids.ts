/**
 * Every identifier the extension shares with package.json or with the language server,
 * in one place (tests/vscode/test_manifest.py compares them with both).
 */

/** Commands the extension registers; package.json contributes them. */
export const ClientCommand = {
    showGraph: 'switchy.showGraph',
    simulate: 'switchy.simulate',
    restartServer: 'switchy.server.restart',
} as const;

/**
 * Commands the server advertises (executeCommandProvider). vscode-languageclient
 * registers these as VS Code commands too, so they must never equal a ClientCommand:
 * the `switchy.server.` prefix keeps them apart.
 */
export const ServerCommand = {
    renderGraph: 'switchy.server.renderGraph',
    simulate: 'switchy.server.simulate',
} as const;

/** Notification the server may send when the call flow of a document changed. */
export const GraphChangedNotification = 'switchy/graphChanged';

/** Settings, relative to the `switchy` section. */
export const SettingsSection = 'switchy';
export const Setting = {
    serverCommand: 'server.command',
    pythonPath: 'server.pythonPath',
    /** Read by the server (initializationOptions, then workspace/configuration). */
    serverLogLevel: 'server.logLevel',
    diagnosticsDebounce: 'diagnostics.debounce',
    program: 'program',
    /** Read by vscode-languageclient itself (`<client id>.trace.server`). */
    traceServer: 'trace.server',
} as const;

export const LanguageId = 'swr';
