package io.kernelhub.cli;

import io.kernelhub.hub.transport.TransferListener;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Download progress as a terminal progress bar (the progressbar library) on stderr. */
final class ProgressBarListener implements TransferListener {

    private ProgressBar bar;

    @Override
    public void started(String what, long total, long already) {
        close();
        String name = what.substring(what.lastIndexOf('/') + 1);
        bar = new ProgressBarBuilder().setTaskName(name).setInitialMax(Math.max(total, 0)).setUnit(" MiB", 1 << 20)
                .setStyle(ProgressBarStyle.ASCII).showSpeed().setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
                .build();
        bar.stepTo(already);
    }

    @Override
    public void progressed(long bytesSoFar) {
        if (bar != null) bar.stepTo(bytesSoFar);
    }

    @Override
    public void retrying(int attempt, String reason) {
        System.err.println("kernelhub: retrying after attempt " + attempt + " failed: " + reason);
    }

    @Override
    public void finished() {
        close();
    }

    private void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
