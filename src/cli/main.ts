// The havipd command line (commander only; the work lives in the modules it calls).

export async function main(argv: readonly string[]): Promise<number | undefined> {
  void argv;
  process.stderr.write('havipd: not implemented yet\n');
  return 1;
}
