/**
 * `switchy: Simulate a Call…`: asks for the headers of a call, has the server walk the
 * document's routes for it (`switchy.server.simulate`) and shows the trace.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ServerManager } from './client';
import { DESTINATION_HEADER, formatCall, parseCall, SimulatedCall } from './headers';
import { ServerCommand } from './ids';

/** What `switchy.server.simulate` returns; `text` is the trace as `switchy simulate` prints it. */
export interface SimulationResult {
    text?: string;
    [key: string]: unknown;
}

const LAST_INPUT_KEY = 'switchy.simulate.lastHeaders';
const DEFAULT_INPUT = `${DESTINATION_HEADER}=1000`;

export class Simulator implements vscode.Disposable {
    private readonly output = vscode.window.createOutputChannel('switchy Simulate');

    constructor(
        private readonly server: ServerManager,
        private readonly state: vscode.Memento,
    ) {}

    async run(document: vscode.Uri): Promise<void> {
        const call = await this.askCall();
        if (!call) {
            return;
        }
        const args: unknown[] = [document.toString(), call.headers];
        if (call.at !== undefined) {
            args.push({ at: call.at });
        }
        const result = await vscode.window.withProgress(
            { location: vscode.ProgressLocation.Window, title: 'switchy: simulating a call' },
            () => this.server.executeServerCommand<SimulationResult | null>(ServerCommand.simulate, args),
        );
        this.output.appendLine(`── ${path.basename(document.path)}  ${formatCall(call)}`);
        this.output.appendLine(traceText(result));
        this.output.appendLine('');
        this.output.show(true);
    }

    private async askCall(): Promise<SimulatedCall | undefined> {
        const last = this.state.get<string>(LAST_INPUT_KEY, DEFAULT_INPUT);
        const input = await vscode.window.showInputBox({
            title: 'switchy: Simulate a Call',
            prompt:
                `Headers of the call as Name=value separated by spaces (quote values with spaces); ` +
                `a lone number is the ${DESTINATION_HEADER}; @2024-12-24T09:00 sets the time of the call`,
            placeHolder: `${DESTINATION_HEADER}=011441234 Caller-Caller-ID-Number=1001 Call-Direction=inbound`,
            value: last,
            ignoreFocusOut: true,
            validateInput: (text) => parseCall(text).error,
        });
        if (input === undefined) {
            return undefined;
        }
        const parsed = parseCall(input);
        if (parsed.error !== undefined) {
            return undefined;
        }
        await this.state.update(LAST_INPUT_KEY, input);
        return parsed;
    }

    dispose(): void {
        this.output.dispose();
    }
}

/** The trace's text, or the whole result as JSON when the server sent no text. */
export function traceText(result: SimulationResult | null | undefined): string {
    if (result && typeof result.text === 'string') {
        return result.text.replace(/\s+$/, '');
    }
    return JSON.stringify(result ?? null, null, 2);
}
