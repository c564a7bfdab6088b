/**
 * Reads what the user types for `switchy: Simulate a Call…` into the headers of the
 * simulated call and, optionally, its time. No `vscode` import: the unit tests run this
 * under plain Node.
 *
 *   Caller-Destination-Number=011441234 Caller-Caller-ID-Name="Jane Doe"
 *   011441234                      (a lone value is the destination number)
 *   4100 @2024-12-24T09:00         (@ gives the time of the call, as switchy simulate --at;
 *   4100 @"2026-12-06T10:00 America/New_York"   with a zone: the server reads it, with
 *                                   the same parser as --at)
 */

export const DESTINATION_HEADER = 'Caller-Destination-Number';

export interface SimulatedCall {
    headers: Record<string, string>;
    /** The time of the call (ISO 8601), for time-of-day tests. */
    at?: string;
}

export type ParsedCall = (SimulatedCall & { error?: undefined }) | { headers?: undefined; error: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_.]*(?:-[A-Za-z0-9_.]+)*$/;

export function parseCall(text: string): ParsedCall {
    const words = splitWords(text);
    if ('error' in words) {
        return { error: words.error };
    }
    const headers: Record<string, string> = {};
    let at: string | undefined;
    for (const word of words.list) {
        if (word.raw.startsWith('@')) {
            if (at !== undefined) {
                return { error: 'the time of the call (@...) is given twice' };
            }
            at = word.value.slice(1).trim();
            if (at === '') {
                return { error: 'write the time of the call after @, e.g. @2024-12-24T09:00' };
            }
            continue;  // the server reads it, with clock_at of switchy/dialplan/timeofday.py
        }
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
    return at === undefined ? { headers } : { headers, at };
}

/** Writes a call back in the form parseCall reads. */
export function formatCall(call: SimulatedCall): string {
    const words = Object.entries(call.headers).map(
        ([name, value]) => `${name}=${/[\s"'@]/.test(value) || value === '' ? JSON.stringify(value) : value}`,
    );
    return [...words, ...(call.at !== undefined ? [`@${call.at}`] : [])].join(' ');
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
