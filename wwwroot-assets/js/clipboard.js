// Copies text for the "copy" buttons (token values); true when the browser allowed it.
export async function copyText(text) {
    try {
        await navigator.clipboard.writeText(text);
        return true;
    } catch {
        return false;
    }
}
