/**
 * Turns "the server did not start" into one sentence that says what to do. No
 * `vscode` import: the unit tests run this under plain Node.
 */
import { formatCommandLine, ServerLaunch } from './settings';

export interface StartFailure {
    launch: ServerLaunch;
    /** What vscode-languageclient rejected `start()` with (an Error or a string). */
    error: unknown;
    /** The last lines the server wrote to stderr, oldest first. */
    stderr: readonly string[];
}

const FIX =
    'Set "switchy.server.pythonPath" to a Python that has switchy installed ' +
    '(for example your project\'s .venv/bin/python), or "switchy.server.command" to the full command.';

export function describeStartFailure(failure: StartFailure): string {
    const commandLine = formatCommandLine(failure.launch);
    const program = failure.launch.command;
    const reason = errorText(failure.error);
    const stderr = failure.stderr.map((line) => line.trimEnd()).filter((line) => line !== '');

    if (/\bENOENT\b/.test(reason)) {
        return `switchy: cannot start the language server: "${program}" was not found. ${FIX}`;
    }
    if (/\bEACCES\b/.test(reason)) {
        return `switchy: cannot start the language server: "${program}" is not executable. ${FIX}`;
    }
    const missing = stderr.find((line) => /No module named '?switchy(_lsp)?\b/.test(line));
    if (missing !== undefined) {
        return (
            `switchy: "${program}" has no switchy language server (${missing.trim()}). ` +
            `Install switchy-cluster into it (in a switchy checkout: ${program} -m pip install .), ` +
            'or set "switchy.server.pythonPath" to a Python that has switchy.'
        );
    }
    const last = stderr.length > 0 ? stderr[stderr.length - 1].trim() : '';
    if (last !== '') {
        return `switchy: the language server "${commandLine}" stopped before it started: ${last}`;
    }
    return `switchy: the language server "${commandLine}" could not be started${reason ? `: ${reason}` : '.'}`;
}

function errorText(error: unknown): string {
    if (error instanceof Error) {
        return error.message;
    }
    if (typeof error === 'string') {
        return error;
    }
    if (error && typeof error === 'object' && 'message' in error) {
        return String((error as { message: unknown }).message);
    }
    return error === undefined ? '' : String(error);
}

/** Keeps the last `limit` lines of a stream for the message above. */
export class LineTail {
    private readonly lines: string[] = [];
    private partial = '';

    constructor(private readonly limit = 20) {}

    push(chunk: string): void {
        const parts = (this.partial + chunk).split(/\r?\n/);
        this.partial = parts.pop() ?? '';
        for (const line of parts) {
            this.lines.push(line);
        }
        this.lines.splice(0, Math.max(0, this.lines.length - this.limit));
    }

    get(): string[] {
        return this.partial ? [...this.lines, this.partial].slice(-this.limit) : [...this.lines];
    }

    clear(): void {
        this.lines.length = 0;
        this.partial = '';
    }
}
