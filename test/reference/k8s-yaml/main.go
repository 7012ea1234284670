// What kubectl get -o yaml writes for a JSON object: sigs.k8s.io/yaml's
// JSONToYAML (go-yaml v2's emitter), the reference k8s get's YAML is
// tested against. Reads one JSON document a line; writes each one's YAML,
// or "error: ..." when it has none, followed by a NUL byte.
package main

import (
	"bufio"
	"os"

	"sigs.k8s.io/yaml"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64<<20), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		y, err := yaml.JSONToYAML(in.Bytes())
		if err != nil {
			out.WriteString("error: " + err.Error())
		} else {
			out.Write(y)
		}
		out.WriteByte(0)
	}
	if err := in.Err(); err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
}
