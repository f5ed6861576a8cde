// "Did you mean …?": the known name closest to a misspelt one, by edit distance.

/** Levenshtein distance, case-insensitive (canry → canary is 1). */
export function editDistance(a: string, b: string): number {
    const x = a.toLowerCase();
    const y = b.toLowerCase();
    let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
    for (let i = 1; i <= x.length; i++) {
        const current = [i];
        for (let j = 1; j <= y.length; j++) {
            const substitution = previous[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1);
            current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
        }
        previous = current;
    }
    return previous[y.length];
}

/**
 * The known name closest to `name`, when it is close enough to be a typo: at most a third of its letters differ
 * (and at least one edit is allowed), or one contains the other.
 */
export function closest(name: string, known: readonly string[]): string | undefined {
    let best: { candidate: string; distance: number } | undefined;
    for (const candidate of known) {
        const distance = editDistance(name, candidate);
        if (best === undefined || distance < best.distance) {
            best = { candidate, distance };
        }
    }
    if (best === undefined) {
        return undefined;
    }
    const lower = name.toLowerCase();
    const contained = lower.length >= 3 && best.candidate.toLowerCase().includes(lower);
    return best.distance <= Math.max(1, Math.floor(name.length / 3)) || contained ? best.candidate : undefined;
}
