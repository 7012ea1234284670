// The printer for a --write-out format: printer.ts holds what they share,
// each format's file its printer, and this file the choice among them.
import { FieldsPrinter } from './fields.js';
import { JsonPrinter } from './json-printer.js';
import { JsonlPrinter } from './jsonl.js';
import { stdout, type Out } from './out.js';
import { RefusingPrinter, type Format, type Printer, type PrinterOptions } from './printer.js';
import { ProtobufPrinter } from './protobuf.js';
import { SimplePrinter } from './simple.js';

export function createPrinter(format: Format, opts: PrinterOptions, out: Out = stdout): Printer {
  switch (format) {
    case 'simple':
      return new SimplePrinter(out, opts);
    case 'json':
      return new JsonPrinter(out);
    case 'fields':
      return new FieldsPrinter(out);
    case 'protobuf':
      return new ProtobufPrinter(out);
    case 'jsonl':
      return new JsonlPrinter(out);
    case 'table':
      return new RefusingPrinter('table');
  }
}
