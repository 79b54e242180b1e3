// Command ceiling is the static ceiling of the tile benchmark: it fetches
// each tile of a list once from a running ład and then serves those bytes
// from memory with a trivial net/http handler, so that a load generator
// measures what Go's HTTP stack alone reaches on this machine.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strings"
)

func main() {
	from := flag.String("from", "http://127.0.0.1:18090", "ład to fetch the tiles from")
	list := flag.String("list", "", "file with one tile path per line")
	addr := flag.String("addr", "127.0.0.1:18091", "address to serve on")
	flag.Parse()
	f, err := os.Open(*list)
	if err != nil {
		log.Fatal(err)
	}
	// The same bytes ład sends to a client asking for gzip (wrk does):
	// fetched raw, served with the same Content-Encoding.
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	tiles := map[string][]byte{}
	enc := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.TrimSpace(sc.Text())
		if p == "" {
			continue
		}
		req, _ := http.NewRequest("GET", *from+p, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := client.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		tiles[p] = b
		enc[p] = resp.Header.Get("Content-Encoding")
	}
	fmt.Printf("ceiling: %d tiles in memory, serving on %s\n", len(tiles), *addr)
	log.Fatal(http.ListenAndServe(*addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := tiles[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.mapbox-vector-tile")
		if e := enc[r.URL.Path]; e != "" {
			w.Header().Set("Content-Encoding", e)
		}
		w.Write(b)
	})))
}
