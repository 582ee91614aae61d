// Placeholder: the document validator command (issue 4) replaces this module.
export async function runValidateCommand(
  _args: string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  io.stderr.write("The document validator is not built yet.\n");
  return 2;
}
