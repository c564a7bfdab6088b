/**
 * The switchy extension: the `swr` language (grammar, configuration and snippets come
 * from package.json), the language client, the call-flow preview and call simulation.
 */
import * as vscode from 'vscode';
import { ServerManager } from './client';
import { GraphViewManager } from './graphView';
import { ClientCommand, LanguageId } from './ids';
import { Simulator } from './simulate';

let server: ServerManager | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
    server = new ServerManager();
    const graphs = new GraphViewManager(server, context.extensionUri);
    const simulator = new Simulator(server, context.workspaceState);
    context.subscriptions.push(
        server,
        graphs,
        simulator,
        vscode.commands.registerCommand(ClientCommand.showGraph, async (uri?: vscode.Uri) => {
            const document = swrDocument(uri);
            if (document) {
                await graphs.show(document);
            }
        }),
        vscode.commands.registerCommand(ClientCommand.simulate, async (uri?: vscode.Uri) => {
            const document = swrDocument(uri);
            if (document) {
                await reportErrors('simulate the call', () => simulator.run(document));
            }
        }),
        vscode.commands.registerCommand(ClientCommand.restartServer, async () => {
            const client = await server?.restart();
            if (client) {
                void vscode.window.setStatusBarMessage('switchy: language server restarted', 3000);
            }
        }),
    );
    await server.start();
}

export async function deactivate(): Promise<void> {
    await server?.stop();
    server = undefined;
}

/** The .swr document a command is about: its argument (from a menu), else the active editor. */
function swrDocument(uri: vscode.Uri | undefined): vscode.Uri | undefined {
    if (uri instanceof vscode.Uri) {
        return uri;
    }
    const editor = vscode.window.activeTextEditor;
    if (editor?.document.languageId === LanguageId) {
        return editor.document.uri;
    }
    void vscode.window.showWarningMessage('switchy: open a .swr dialplan first.');
    return undefined;
}

async function reportErrors(what: string, action: () => Promise<void>): Promise<void> {
    try {
        await action();
    } catch (error) {
        void vscode.window.showErrorMessage(`switchy: could not ${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
}
