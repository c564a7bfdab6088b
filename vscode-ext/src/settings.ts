/**
 * How the language server is started, from the user's settings. No `vscode` import:
 * the unit tests run this under plain Node.
 */

export interface ServerSettings {
    /** `switchy.server.command`: the whole command line, program first. */
    command: readonly string[];
    /** `switchy.server.pythonPath`: the interpreter that has switchy installed. */
    pythonPath: string;
}

export interface ServerLaunch {
    command: string;
    args: string[];
}

export interface Environment {
    /** The first workspace folder, for `${workspaceFolder}`; undefined without one. */
    workspaceFolder?: string;
    /** The user's home directory, for a leading `~`. */
    home: string;
}

export const DEFAULT_PYTHON = 'python3';
export const SERVER_MODULE = 'switchy_lsp';

/** The program and arguments to spawn (stdio transport). */
export function resolveServerLaunch(settings: ServerSettings, env: Environment): ServerLaunch {
    const command = settings.command.map((part) => expand(part, env)).filter((part) => part !== '');
    if (command.length > 0) {
        return { command: command[0], args: command.slice(1) };
    }
    const python = expand(settings.pythonPath.trim(), env) || DEFAULT_PYTHON;
    return { command: python, args: ['-m', SERVER_MODULE] };
}

/** Expands `${workspaceFolder}`, `${userHome}` and a leading `~`. */
export function expand(value: string, env: Environment): string {
    let out = value.trim();
    if (out === '~' || out.startsWith('~/')) {
        out = env.home + out.slice(1);
    }
    out = out.replace(/\$\{userHome\}/g, env.home);
    if (env.workspaceFolder !== undefined) {
        out = out.replace(/\$\{workspaceFolder\}/g, env.workspaceFolder);
    }
    return out;
}

/** The command line as a user would type it, for messages. */
export function formatCommandLine(launch: ServerLaunch): string {
    return [launch.command, ...launch.args].map(quoteIfNeeded).join(' ');
}

function quoteIfNeeded(part: string): string {
    return /^[\w@%+=:,./-]+$/.test(part) ? part : `'${part.replace(/'/g, `'\\''`)}'`;
}
