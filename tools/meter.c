/* meter.c — the progress meter of albumctl's long copies and checks
 * (backup, restore, backup verify): files, bytes, rate and time left on
 * stderr when it is a terminal, nothing otherwise (see cli.h); and the
 * drawing of any progress line in place, clipped to the terminal's width.
 * A meter is the caller's (usually on its stack); single-threaded.
 */
#include <inttypes.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <glib.h>

#include "backup/backup.h"
#include "tools/cli.h"

#define REDRAW_US 100000 /* at most ten redraws a second */
#define BAR 16

/* "1.2 GiB", "85.3 MiB", "512 B". */
static void size_text(double bytes, char *buf, size_t len)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    size_t u = 0;

    while (bytes >= 1024 && u + 1 < G_N_ELEMENTS(units)) {
        bytes /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%.0f %s", bytes, units[u]);
    else
        snprintf(buf, len, "%.1f %s", bytes, units[u]);
}

/* "0:26", "1:02:03". */
static void time_text(double seconds, char *buf, size_t len)
{
    uint64_t s = seconds < 0 ? 0 : (uint64_t)(seconds + 0.5);

    if (s >= 3600)
        snprintf(buf, len, "%" PRIu64 ":%02" PRIu64 ":%02" PRIu64, s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(buf, len, "%" PRIu64 ":%02" PRIu64, s / 60, s % 60);
}

void cli_draw_line(const char *line)
{
    struct winsize ws;
    size_t cols = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 ? ws.ws_col : 80;
    const char *end = line;
    size_t used = 0;

    /* One column short of the width: a full line would wrap on some terminals. */
    while (*end) {
        gunichar ch = g_utf8_get_char_validated(end, -1);
        size_t w;

        if (ch == (gunichar)-1 || ch == (gunichar)-2)
            break;
        w = g_unichar_iswide(ch) ? 2 : 1;
        if (used + w > cols - 1)
            break;
        used += w;
        end = g_utf8_next_char(end);
    }
    fputs("\r\033[K", stderr);
    fwrite(line, 1, (size_t)(end - line), stderr);
    fflush(stderr);
}

void cli_meter_start(struct cli_meter *m, const struct cli *cli)
{
    m->cli = cli;
    m->since_us = g_get_monotonic_time();
    m->drawn_us = 0;
    m->part = 0;
}

void cli_meter_show(struct cli_meter *m, size_t files_done, size_t files_total,
                    uint64_t bytes_done, uint64_t bytes_total)
{
    int64_t now = g_get_monotonic_time();
    double elapsed = (double)(now - m->since_us) / 1e6, part;
    char done[24], total[24], rate[24], left[24];
    GString *line;

    if (!m->cli->progress)
        return;
    if (m->drawn_us && now - m->drawn_us < REDRAW_US && files_done < files_total)
        return;
    m->drawn_us = now;
    part = bytes_total ? (double)bytes_done / (double)bytes_total
           : files_total ? (double)files_done / (double)files_total
                         : 1;
    /* Never backwards: a total that grows as files are found (restic does
     * the same) would otherwise shrink the bar. */
    if (part < m->part)
        part = m->part;
    m->part = part;
    line = g_string_new("[");
    for (int i = 0; i < BAR; i++)
        g_string_append_c(line, i < (int)(part * BAR) ? '#' : '.');
    g_string_append_printf(line, "] %zu/%zu files", files_done, files_total);
    if (bytes_total) {
        size_text((double)bytes_done, done, sizeof done);
        size_text((double)bytes_total, total, sizeof total);
        g_string_append_printf(line, "  %s/%s", done, total);
    }
    /* A rate once there is something to measure it by. */
    if (elapsed >= 1 && part > 0 && part < 1) {
        if (bytes_total) {
            size_text((double)bytes_done / elapsed, rate, sizeof rate);
            g_string_append_printf(line, "  %s/s", rate);
        }
        time_text(elapsed / part - elapsed, left, sizeof left);
        g_string_append_printf(line, "  %s left", left);
    }
    cli_draw_line(line->str);
    g_string_free(line, TRUE);
}

void cli_meter_done(struct cli_meter *m)
{
    if (m->cli && m->cli->progress && m->drawn_us)
        fputs("\r\033[K", stderr);
}

void cli_meter_backup(void *meter, const struct backup_progress *where)
{
    cli_meter_show(meter, where->files_done, where->files_total, where->bytes_done,
                   where->bytes_total);
}
