// Runs inside code-server's extension host (loaded through the `extensionTestsPath`
// payload): mocha with the suites in extension.suite.ts. Bundled by extension-host.test.ts.
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 180_000, color: false, reporter: 'spec' });
  mocha.suite.emit('pre-require', globalThis, 'extension.suite', mocha);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('./extension.suite');
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} extension-host tests failed`)) : resolve()));
  });
}
