// Command tilesql prints the statement ład's tile server runs for a tile of
// the given layers at zoom z, as a pgbench script: the tile address comes
// from the benchmark's tile list (table bench_tiles), so that pgbench runs
// exactly the server's SQL — the database floor of the tile benchmark.
package main

import (
	"flag"
	"fmt"
	"log"
	"regexp"
	"strconv"
	"strings"

	"github.com/ladgis/lad/layers"
	"github.com/ladgis/lad/tiles"
)

func main() {
	z := flag.Int("z", 16, "zoom")
	ids := flag.String("layers", "parcels,permits", "layers")
	n := flag.Int("n", 200, "tiles in the list for this zoom")
	flag.Parse()
	cat, err := layers.Default()
	if err != nil {
		log.Fatal(err)
	}
	var ls []*layers.Layer
	for _, id := range strings.Split(*ids, ",") {
		l, ok := cat.Get(id)
		if !ok {
			log.Fatalf("no layer %s", id)
		}
		ls = append(ls, l)
	}
	sql, args := tiles.TileSQL(ls, *z, 0, 0, nil, nil)
	if sql == "" {
		// No layer is drawn at this zoom: the server answers without the
		// database; the floor is a round trip.
		sql = "SELECT ''::bytea"
	}
	// $1..$3 are the tile address; later parameters are literal tolerances.
	sql = regexp.MustCompile(`\$(\d+)`).ReplaceAllStringFunc(sql, func(m string) string {
		i, _ := strconv.Atoi(m[1:])
		switch i {
		case 1:
			return strconv.Itoa(*z)
		case 2:
			return ":x"
		case 3:
			return ":y"
		}
		return fmt.Sprint(args[i-1])
	})
	fmt.Printf("\\set i random(1, %d)\nSELECT x, y FROM bench_tiles WHERE z = %d AND i = :i \\gset\n%s;\n", *n, *z, sql)
}
