// Filled in by the foundation: builds the portal and starts it for the browser tests.
export default async function setup(): Promise<void> {}
