/**
 * Starts, restarts and stops the switchy language server (`switchy-lsp`, stdio) with
 * vscode-languageclient, and says clearly what to do when it cannot be started.
 */
import * as os from 'node:os';
import * as readline from 'node:readline';
import * as vscode from 'vscode';
import {
    CloseAction,
    CloseHandlerResult,
    ErrorAction,
    ErrorHandlerResult,
    ExecuteCommandRequest,
    LanguageClient,
    LanguageClientOptions,
    ServerOptions,
    State,
} from 'vscode-languageclient/node';
import { ClientCommand, LanguageId, Setting, SettingsSection } from './ids';
import { resolveServerLaunch, ServerLaunch, ServerSettings } from './settings';
import { describeStartFailure, LineTail } from './startFailure';

const CRASH_WINDOW_MS = 3 * 60 * 1000;
const MAX_CRASHES = 4;
const STDERR_GRACE_MS = 1000;

type NotificationHandler = (params: unknown) => void;

/**
 * While it starts, ServerManager explains any failure itself, saying what to do; this
 * keeps vscode-languageclient's generic "couldn't create connection" popup out of the
 * way (the output channel still gets every line).
 */
class SwitchyLanguageClient extends LanguageClient {
    quiet = true;

    override error(message: string, data?: unknown, showNotification?: boolean | 'force'): void {
        super.error(message, data, this.quiet ? false : showNotification);
    }
}

export class ServerManager implements vscode.Disposable {
    readonly output: vscode.LogOutputChannel;
    private readonly status: vscode.LanguageStatusItem;
    private client: LanguageClient | undefined;
    private starting: Promise<LanguageClient | undefined> | undefined;
    private readonly stderr = new LineTail(30);
    private stderrClosed: Promise<void> = Promise.resolve();
    private running = false;
    private crashes: number[] = [];
    private readonly notificationHandlers = new Map<string, NotificationHandler>();
    private readonly disposables: vscode.Disposable[] = [];

    constructor() {
        this.output = vscode.window.createOutputChannel('switchy Language Server', { log: true });
        this.status = vscode.languages.createLanguageStatusItem('switchy.server', { language: LanguageId });
        this.status.name = 'switchy language server';
        this.status.command = { title: 'Restart', command: ClientCommand.restartServer };
        this.showStatus('stopped');
        this.disposables.push(
            this.output,
            this.status,
            vscode.workspace.onDidChangeConfiguration((event) => {
                const launchSettings = [Setting.serverCommand, Setting.pythonPath];
                if (launchSettings.some((key) => event.affectsConfiguration(`${SettingsSection}.${key}`))) {
                    void this.restart();
                }
            }),
        );
    }

    /** Handlers for server notifications, kept across restarts. */
    onNotification(method: string, handler: NotificationHandler): void {
        this.notificationHandlers.set(method, handler);
        this.client?.onNotification(method, handler);
    }

    /** The running client, starting the server if needed; undefined if it cannot start. */
    async start(): Promise<LanguageClient | undefined> {
        if (this.client?.isRunning()) {
            return this.client;
        }
        this.starting ??= this.launch().finally(() => {
            this.starting = undefined;
        });
        return this.starting;
    }

    async restart(): Promise<LanguageClient | undefined> {
        await this.stop();
        this.crashes = [];
        return this.start();
    }

    async stop(): Promise<void> {
        await this.starting?.catch(() => undefined);
        const client = this.client;
        this.client = undefined;
        this.running = false;
        if (client) {
            try {
                if (client.needsStop()) {
                    await client.stop(2000);
                }
            } catch (error) {
                this.output.warn(`Stopping the server: ${String(error)}`);
            }
            await client.dispose().catch(() => undefined);
        }
        this.showStatus('stopped');
    }

    /** Runs a command the server advertises (`switchy.server.*`). */
    async executeServerCommand<T>(command: string, args: unknown[]): Promise<T> {
        const client = await this.start();
        if (!client) {
            throw new Error('the switchy language server is not running (see "switchy: Restart Language Server")');
        }
        return (await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args })) as T;
    }

    dispose(): void {
        void this.stop();
        for (const disposable of this.disposables) {
            disposable.dispose();
        }
    }

    private async launch(): Promise<LanguageClient | undefined> {
        const launch = resolveServerLaunch(readServerSettings(), {
            workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
            home: os.homedir(),
        });
        this.output.info(`Starting the language server: ${[launch.command, ...launch.args].join(' ')}`);
        this.showStatus('starting');
        this.stderr.clear();
        this.running = false;

        const client = new SwitchyLanguageClient('switchy', 'switchy Language Server', serverOptions(launch), this.clientOptions());
        for (const [method, handler] of this.notificationHandlers) {
            client.onNotification(method, handler);
        }
        client.onDidChangeState((event) => {
            if (event.newState === State.Stopped && this.client === client && this.running) {
                this.showStatus('stopped');
            } else if (event.newState === State.Running && this.client === client) {
                this.showStatus('running');
            }
        });
        this.client = client;
        try {
            await client.start();
            client.quiet = false;
            this.running = true;
            this.showStatus('running');
            return client;
        } catch (error) {
            await Promise.race([this.stderrClosed, delay(STDERR_GRACE_MS)]);
            const message = describeStartFailure({ launch, error, stderr: this.stderr.get() });
            this.output.error(message);
            this.showStatus('failed', message);
            if (this.client === client) {
                this.client = undefined;
            }
            await client.dispose().catch(() => undefined);
            void this.offerFixes(message);
            return undefined;
        }
    }

    private clientOptions(): LanguageClientOptions {
        return {
            documentSelector: [
                { scheme: 'file', language: LanguageId },
                { scheme: 'untitled', language: LanguageId },
            ],
            outputChannel: this.output,
            // The server reads its settings from here at start, then asks for the
            // `switchy` section (workspace/configuration) whenever it changes.
            initializationOptions: serverInitializationOptions(),
            synchronize: {
                configurationSection: SettingsSection,
                // Included files change what a document means: tell the server about them.
                fileEvents: vscode.workspace.createFileSystemWatcher('**/*.swr'),
            },
            initializationFailedHandler: () => false,
            errorHandler: {
                error: (_error, _message, count): ErrorHandlerResult => ({
                    action: (count ?? 1) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown,
                }),
                closed: (): CloseHandlerResult => this.onClosed(),
            },
            stdioOptions: {
                stdout: (input, channel) => forwardLines(input, (line) => channel.info(line)),
                stderr: (input, channel) => {
                    this.stderrClosed = new Promise((resolve) => input.once('close', () => resolve()));
                    forwardLines(input, (line) => {
                        this.stderr.push(`${line}\n`);
                        channel.error(line);
                    });
                },
            },
        };
    }

    /** The connection closed: restart a server that had been running, a few times. */
    private onClosed(): CloseHandlerResult {
        if (!this.running) {
            // It never got up: launch() reports why, with the server's own words.
            return { action: CloseAction.DoNotRestart, handled: true };
        }
        const now = Date.now();
        this.crashes = [...this.crashes.filter((time) => now - time < CRASH_WINDOW_MS), now];
        if (this.crashes.length <= MAX_CRASHES) {
            this.output.warn('The language server stopped; restarting it.');
            return { action: CloseAction.Restart, handled: true };
        }
        this.running = false;
        this.showStatus('failed', 'stopped repeatedly');
        return {
            action: CloseAction.DoNotRestart,
            message:
                `switchy: the language server stopped ${this.crashes.length} times in 3 minutes and was not restarted. ` +
                'See the "switchy Language Server" output, then run "switchy: Restart Language Server".',
        };
    }

    private async offerFixes(message: string): Promise<void> {
        const choice = await vscode.window.showErrorMessage(message, 'Open Settings', 'Show Output', 'Retry');
        if (choice === 'Open Settings') {
            await vscode.commands.executeCommand('workbench.action.openSettings', `${SettingsSection}.server`);
        } else if (choice === 'Show Output') {
            this.output.show(true);
        } else if (choice === 'Retry') {
            await this.restart();
        }
    }

    private showStatus(state: 'starting' | 'running' | 'stopped' | 'failed', detail?: string): void {
        this.status.text = state === 'failed' ? 'switchy: server not running' : `switchy: server ${state}`;
        this.status.detail = detail;
        this.status.busy = state === 'starting';
        this.status.severity =
            state === 'failed' ? vscode.LanguageStatusSeverity.Error : vscode.LanguageStatusSeverity.Information;
    }
}

export function readServerSettings(): ServerSettings {
    const config = vscode.workspace.getConfiguration(SettingsSection);
    const command = config.get<unknown>(Setting.serverCommand, []);
    return {
        command: Array.isArray(command) ? command.filter((part): part is string => typeof part === 'string') : [],
        pythonPath: config.get<string>(Setting.pythonPath, '') ?? '',
    };
}

/** The settings the server itself reads, as the `switchy` object it expects. */
function serverInitializationOptions(): Record<string, unknown> {
    const config = vscode.workspace.getConfiguration(SettingsSection);
    return {
        server: { logLevel: config.get<string>(Setting.serverLogLevel) },
        diagnostics: { debounce: config.get<number>(Setting.diagnosticsDebounce) },
        program: config.get<string>(Setting.program),
    };
}

function serverOptions(launch: ServerLaunch): ServerOptions {
    // stdio. No `transport: TransportKind.stdio`: the client would append `--stdio`,
    // which switchy-lsp (stdio by default) does not take.
    return {
        command: launch.command,
        args: launch.args,
        options: {
            cwd: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
            env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8' },
        },
    };
}

function forwardLines(input: NodeJS.ReadableStream, onLine: (line: string) => void): void {
    readline.createInterface({ input, crlfDelay: Infinity, terminal: false }).on('line', onLine);
}

function delay(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
