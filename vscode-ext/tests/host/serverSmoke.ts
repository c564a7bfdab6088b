/**
 * Runs the extension's ServerManager — with the real vscode-languageclient — against
 * the real `switchy-lsp`, under the stand-in `vscode` of fakeVscode.ts, and prints what
 * happened as JSON. Driven by tests/vscode/test_client.py:
 *
 *   node out/host/serverSmoke.js SCENARIO SETTINGS_JSON [DOCUMENT [LINE [FILE]]]
 *
 * SCENARIO `start`: start the server, print whether it runs and what the user was shown.
 * SCENARIO `simulate`: also simulate a call to 011441234 on DOCUMENT and print the trace.
 * SCENARIO `graph`: open the call-flow preview of DOCUMENT, let its page say `ready`,
 *   then click a node on line LINE (of FILE, as the page names an included file, when
 *   given): print the page's HTML, the messages the extension posted to it and the
 *   editors it opened.
 */
import * as path from 'node:path';
import { ServerManager } from '../../src/client';
import { GraphViewManager } from '../../src/graphView';
import { ServerCommand } from '../../src/ids';
import { Uri } from 'vscode';
import { fake } from './fakeVscode';

async function main(): Promise<void> {
    const [scenario, settings, document, line, file] = process.argv.slice(2);
    fake.settings = JSON.parse(settings ?? '{}');
    const server = new ServerManager();
    const client = await server.start();
    const report: Record<string, unknown> = { running: client?.isRunning() ?? false };
    if (client && scenario === 'simulate' && document) {
        const result = await server.executeServerCommand<{ text: string }>(ServerCommand.simulate, [
            Uri.file(document).toString(),
            { 'Caller-Destination-Number': '011441234', 'Call-Direction': 'inbound' },
        ]);
        report.text = result.text;
    }
    if (client && scenario === 'graph' && document) {
        const graphs = new GraphViewManager(server, Uri.file(path.resolve(__dirname, '..', '..')));
        await graphs.show(Uri.file(document));
        const panel = fake.panels[0];
        await panel.receive({ type: 'ready' });
        await panel.receive({ type: 'reveal', line: Number(line), ...(file ? { file } : {}) });
        report.html = panel.html;
        report.title = panel.title;
        report.posted = panel.posted;
        report.opened = fake.opened;
        graphs.dispose();
    }
    await server.stop();
    report.runningAfterStop = client?.isRunning() ?? false;
    report.shown = fake.shown;
    report.log = fake.log;
    process.stdout.write(JSON.stringify(report));
}

main().then(
    () => process.exit(0),
    (error) => {
        process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
        process.exit(1);
    },
);
