// Remembers the theme in a cookie, so the server renders the first paint in it (no flash).
export function rememberDarkMode(dark) {
    const oneYear = 60 * 60 * 24 * 365;
    document.cookie = `AdminPortal.Theme=${dark ? "dark" : "light"}; path=/; max-age=${oneYear}; SameSite=Lax`;
}
