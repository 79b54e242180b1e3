// Command load drives the soak benchmark (bench/soak/run.sh): mixed load
// against several ład instances in turn — 80% vector tiles, 15% OGC API
// features and place queries, 5% writes (consultation comments, which also
// invalidate tiles) — at a fixed concurrency for a fixed time, then prints
// counts, errors, latency percentiles and where the reads ran (X-Read-From:
// replica or primary) per kind as JSON.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

// area is the demo city's extent (WGS 84) where requests are aimed.
type area struct{ minLon, minLat, maxLon, maxLat float64 }

type stats struct {
	mu        sync.Mutex
	latencies map[string][]float64 // seconds
	status    map[string]map[string]int
	from      map[string]map[string]int // X-Read-From per kind
}

func (s *stats) add(kind string, d time.Duration, status, from string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latencies[kind] = append(s.latencies[kind], d.Seconds())
	if s.status[kind] == nil {
		s.status[kind] = map[string]int{}
		s.from[kind] = map[string]int{}
	}
	s.status[kind][status]++
	if from != "" {
		s.from[kind][from]++
	}
}

func main() {
	targets := flag.String("targets", "http://127.0.0.1:18101,http://127.0.0.1:18102", "ład instances, comma-separated (requests alternate)")
	conc := flag.Int("c", 64, "concurrent clients")
	dur := flag.Duration("d", 5*time.Minute, "duration")
	layers := flag.String("layers", "plans,designations,parcels,permits;parcels,comments", "tile layer sets, ';'-separated, requested in turn (comments change with every write)")
	flag.Parse()
	bases := strings.Split(*targets, ",")
	a := area{16.88, 51.07, 17.12, 51.15}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *conc, MaxConnsPerHost: *conc * 2}}
	consultation := openConsultation(client, bases[0])

	st := &stats{latencies: map[string][]float64{}, status: map[string]map[string]int{}, from: map[string]map[string]int{}}
	ctx, cancel := context.WithTimeout(context.Background(), *dur)
	defer cancel()
	var wg sync.WaitGroup
	for w := 0; w < *conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			for i := 0; ctx.Err() == nil; i++ {
				base := bases[(w+i)%len(bases)]
				kind, req := next(rng, base, a, *layers, consultation)
				start := time.Now()
				resp, err := client.Do(req.WithContext(ctx))
				status, from := "error", ""
				if err == nil {
					from = resp.Header.Get("X-Read-From")
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status = fmt.Sprintf("%dxx", resp.StatusCode/100)
					if resp.StatusCode >= 500 {
						log.Printf("%s %s: %d", req.Method, req.URL, resp.StatusCode)
					}
				} else if ctx.Err() != nil {
					return // the run ended mid-request
				} else {
					log.Printf("%s %s: %v", req.Method, req.URL, err)
				}
				st.add(kind, time.Since(start), status, from)
			}
		}(w)
	}
	wg.Wait()
	report(st, *dur)
}

// openConsultation finds a consultation open for comments (0: none, then
// writes are skipped).
func openConsultation(client *http.Client, base string) int64 {
	resp, err := client.Get(base + "/api/consultations")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Consultations []struct {
			ID    int64  `json:"id"`
			State string `json:"state"`
		} `json:"consultations"`
	}
	json.NewDecoder(resp.Body).Decode(&out)
	for _, c := range out.Consultations {
		if c.State == "open" {
			return c.ID
		}
	}
	log.Print("no open consultation: no writes")
	return 0
}

// tileAt is tile z/x/y holding a WGS 84 point.
func tileAt(z int, lon, lat float64) (int, int) {
	n := math.Exp2(float64(z))
	x := int((lon + 180) / 360 * n)
	r := lat * math.Pi / 180
	y := int((1 - math.Log(math.Tan(r)+1/math.Cos(r))/math.Pi) / 2 * n)
	return x, y
}

func next(rng *rand.Rand, base string, a area, layers string, consultation int64) (string, *http.Request) {
	lon := a.minLon + rng.Float64()*(a.maxLon-a.minLon)
	lat := a.minLat + rng.Float64()*(a.maxLat-a.minLat)
	p := rng.IntN(100)
	switch {
	case p < 80:
		// Zooms as a map is used: mostly street level.
		z := []int{12, 13, 14, 15, 15, 16, 16, 16, 17, 17}[rng.IntN(10)]
		x, y := tileAt(z, lon, lat)
		sets := strings.Split(layers, ";")
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/tiles/%s/%d/%d/%d.mvt", base, sets[rng.IntN(len(sets))], z, x, y), nil)
		req.Header.Set("Accept-Encoding", "gzip")
		return "tile", req
	case p < 88:
		d := 0.002
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/ogc/collections/parcels/items?bbox=%f,%f,%f,%f&limit=50", base, lon, lat, lon+d, lat+d), nil)
		return "features", req
	case p < 95 || consultation == 0:
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/place?lon=%f&lat=%f", base, lon, lat), nil)
		return "place", req
	default:
		body, _ := json.Marshal(map[string]any{
			"full_name": "Jan Testowy", "address": "ul. Próbna 1, Wrocław", "body": "Uwaga z testu obciążeniowego.",
			"geometry": map[string]any{"type": "Point", "coordinates": []float64{lon, lat}},
		})
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/consultations/%d/comments", base, consultation), bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		return "write", req
	}
}

func percentile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

func report(st *stats, dur time.Duration) {
	type kindOut struct {
		Requests int            `json:"requests"`
		Status   map[string]int `json:"status"`
		ReadFrom map[string]int `json:"read_from"`
		P50ms    float64        `json:"p50_ms"`
		P99ms    float64        `json:"p99_ms"`
		MaxMs    float64        `json:"max_ms"`
	}
	out := map[string]any{}
	total, fivexx, errs := 0, 0, 0
	var all []float64
	kinds := map[string]kindOut{}
	for k, l := range st.latencies {
		sort.Float64s(l)
		all = append(all, l...)
		kinds[k] = kindOut{Requests: len(l), Status: st.status[k], ReadFrom: st.from[k], P50ms: 1000 * percentile(l, 0.5), P99ms: 1000 * percentile(l, 0.99), MaxMs: 1000 * l[len(l)-1]}
		total += len(l)
		fivexx += st.status[k]["5xx"]
		errs += st.status[k]["error"]
	}
	sort.Float64s(all)
	out["kinds"] = kinds
	out["requests"] = total
	out["rps"] = float64(total) / dur.Seconds()
	out["5xx"] = fivexx
	out["transport_errors"] = errs
	out["p50_ms"] = 1000 * percentile(all, 0.5)
	out["p99_ms"] = 1000 * percentile(all, 0.99)
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	enc.Encode(out)
}
