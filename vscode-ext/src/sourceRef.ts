/**
 * Where a node of the call-flow picture comes from. The renderer puts the source
 * position of each node in the SVG (a link, an id or the tooltip); this reads the
 * forms it may take:
 *
 *   "#L12", "file:///etc/switchy/common.swr#L12"   a link with a line anchor
 *   "common.swr:12", "/abs/router.swr:12:5"         file:line[:column]
 *   "L12"                                           an element id
 *   "line 12", "… (line 12)"                        a tooltip
 *
 * Used by the webview script (browser) and by the unit tests (Node): no imports.
 */

export interface SourceRef {
    /** 1-based line. */
    line: number;
    /** 1-based column, when the reference carries one. */
    column?: number;
    /** The file, as written in the reference (a path or a URI); undefined: the previewed document. */
    file?: string;
}

export function parseSourceRef(text: string | null | undefined): SourceRef | undefined {
    if (!text) {
        return undefined;
    }
    const value = text.trim();

    const anchor = /^(.*)#L(\d+)(?:[C:.](\d+))?$/.exec(value);
    if (anchor) {
        return make(anchor[2], anchor[3], anchor[1]);
    }
    const fileLine = /([^\s()"'<>]+\.swr):(\d+)(?::(\d+))?/.exec(value);
    if (fileLine) {
        return make(fileLine[2], fileLine[3], fileLine[1]);
    }
    const id = /^L(\d+)(?:[C_.-](\d+))?$/.exec(value);
    if (id) {
        return make(id[1], id[2]);
    }
    const line = /\bline\s+(\d+)(?:[,:]\s*(?:col(?:umn)?\s+)?(\d+))?/i.exec(value);
    if (line) {
        return make(line[1], line[2]);
    }
    return undefined;
}

function make(line: string, column?: string, file?: string): SourceRef | undefined {
    const ref: SourceRef = { line: Number(line) };
    if (!Number.isInteger(ref.line) || ref.line < 1) {
        return undefined;
    }
    if (column !== undefined && Number(column) >= 1) {
        ref.column = Number(column);
    }
    if (file) {
        ref.file = decodeFile(file);
    }
    return ref;
}

function decodeFile(file: string): string {
    try {
        return file.startsWith('file:') ? file : decodeURIComponent(file);
    } catch {
        return file;
    }
}
