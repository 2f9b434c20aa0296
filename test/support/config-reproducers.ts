// Config inputs that once stalled or exhausted havipd's parser, kept as named regression cases for the unit
// and property layers (issue 8 §3, issue 14 §3).

/** Issue 8 §3, verbatim: a self-referencing multi-line definition (100 s, 5.2 GB and a V8 abort before). */
export const ISSUE8_SELF_MULTILINE = '$B=\\\n x \\\n y\n$A=\\\n  $A \\\n  $A\n$A\n$B\n';

/** Issue 8 §3: `$IF=$IF` used on 1000 lines (10 000 re-scans per use before, about a second in all). */
export const ISSUE8_IF_IF = `$IF=$IF\n${'vrrp_instance VI { interface $IF }\n'.repeat(1000)}`;

/** Issue 14 §3: nested ~SEQ yielding a million lines (about 15 s in `havipd -t` before), then one more line. */
export const ISSUE14_NESTED_SEQ = '~SEQ(i,1,1,1000) ~SEQ(j,1,1,1000) $i $j\nafter\n';

/** All of them, by name. */
export const CONFIG_REPRODUCERS: Readonly<Record<string, string>> = {
  'issue 8 §3 self-using multi-line definition': ISSUE8_SELF_MULTILINE,
  'issue 8 §3 $IF=$IF on 1000 lines': ISSUE8_IF_IF,
  'issue 14 §3 nested ~SEQ of a million lines': ISSUE14_NESTED_SEQ,
};
