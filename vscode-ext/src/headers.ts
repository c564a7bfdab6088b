/**
 * Reads what the user types for `switchy: Simulate a Call…` into the headers of the
 * simulated call. No `vscode` import: the unit tests run this under plain Node.
 *
 *   Caller-Destination-Number=011441234 Caller-Caller-ID-Name="Jane Doe"
 *   011441234                      (a lone value is the destination number)
 */

export const DESTINATION_HEADER = 'Caller-Destination-Number';

export type ParsedHeaders = { headers: Record<string, string>; error?: undefined } | { headers?: undefined; error: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_.]*(?:-[A-Za-z0-9_.]+)*$/;

export function parseHeaders(text: string): ParsedHeaders {
    const words = splitWords(text);
    if ('error' in words) {
        return { error: words.error };
    }
    const headers: Record<string, string> = {};
    for (const word of words.list) {
        const eq = word.raw.indexOf('=');
        if (eq < 0 || word.quotedBeforeEquals) {
            if (DESTINATION_HEADER in headers) {
                return { error: `"${word.value}" has no "Name=": write Name=value (the destination number is already ${headers[DESTINATION_HEADER]})` };
            }
            headers[DESTINATION_HEADER] = word.value;
            continue;
        }
        const name = word.value.slice(0, word.value.indexOf('='));
        const value = word.value.slice(name.length + 1);
        if (!NAME.test(name)) {
            return { error: `"${name}" is not a header name (letters, digits, _ and -)` };
        }
        if (name in headers) {
            return { error: `${name} is given twice` };
        }
        headers[name] = value;
    }
    return { headers };
}

/** Writes headers back in the form parseHeaders reads (for the input box's next default). */
export function formatHeaders(headers: Record<string, string>): string {
    return Object.entries(headers)
        .map(([name, value]) => `${name}=${/[\s"']/.test(value) || value === '' ? JSON.stringify(value) : value}`)
        .join(' ');
}

interface Word {
    raw: string;
    value: string;
    quotedBeforeEquals: boolean;
}

function splitWords(text: string): { list: Word[] } | { error: string } {
    const list: Word[] = [];
    let i = 0;
    while (i < text.length) {
        while (i < text.length && /\s/.test(text[i])) {
            i++;
        }
        if (i >= text.length) {
            break;
        }
        let raw = '';
        let value = '';
        let quotedBeforeEquals = false;
        let sawEquals = false;
        while (i < text.length && !/\s/.test(text[i])) {
            const ch = text[i];
            if (ch === '"' || ch === "'") {
                const end = findClosingQuote(text, i);
                if (end < 0) {
                    return { error: `the quote at column ${i + 1} is never closed` };
                }
                if (!sawEquals) {
                    quotedBeforeEquals = true;
                }
                value += unescape(text.slice(i + 1, end), ch);
                raw += text.slice(i, end + 1);
                i = end + 1;
                continue;
            }
            if (ch === '=') {
                sawEquals = true;
            }
            raw += ch;
            value += ch;
            i++;
        }
        list.push({ raw, value, quotedBeforeEquals });
    }
    return { list };
}

function findClosingQuote(text: string, start: number): number {
    const quote = text[start];
    for (let i = start + 1; i < text.length; i++) {
        if (text[i] === '\\') {
            i++;
        } else if (text[i] === quote) {
            return i;
        }
    }
    return -1;
}

function unescape(body: string, quote: string): string {
    return body.replace(/\\(.)/g, (whole, ch: string) => (ch === quote || ch === '\\' ? ch : whole));
}
