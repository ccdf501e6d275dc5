#!/usr/bin/perl
# tests/bench/oai_pages.pl DIR N PAGESIZE
# Writes static OAI-PMH 2.0 responses for a loopback provider: N records in
# pages of PAGESIZE, in two formats (oai_dc and marc21), chained by
# resumptionTokens named after the next page's file (dc-2, marc21-2, ...),
# plus Identify and ListMetadataFormats. The record content is the 10 real
# Beijing Normal University records of ../shared/fixtures/records/
# dp2-sru-cnmarc (MARCXML and DC renderings), repeated with distinct
# identifiers and datestamps.
use strict;
use warnings;

my ($dir, $n, $size, $shared) = @ARGV;
die "usage: $0 DIR N PAGESIZE SHARED\n" unless $shared;
mkdir $dir;

sub slurp {
    my ($f) = @_;
    open(my $fh, '<:raw', $f) or die "$f: $!";
    local $/;
    my $s = <$fh>;
    $s =~ s/^\xEF\xBB\xBF//;
    return $s;
}

my $src = "$shared/fixtures/records/dp2-sru-cnmarc";
my @marc = (slurp("$src/sample_marcxml.xml") =~
            m{<recordData>\s*(<record xmlns="http://www.loc.gov/MARC21/slim">.*?</record>)\s*</recordData>}sg);
my @dc = (slurp("$src/sample_dc.xml") =~ m{<recordData>\s*(.*?)\s*</recordData>}sg);
die "no records in $src\n" unless @marc == 10 && @dc == 10;
for (@dc) {   # the SRU DC wrapper becomes oai_dc
    s{^<(\w+:)?dc\b[^>]*>}{<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">};
    s{</(\w+:)?dc>\s*$}{</oai_dc:dc>};
}

my $head = qq{<?xml version="1.0" encoding="UTF-8"?>\n<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">\n<responseDate>2026-01-01T00:00:00Z</responseDate>\n};

sub put {
    my ($name, $body) = @_;
    open(my $fh, '>:raw', "$dir/$name.xml") or die "$dir/$name.xml: $!";
    print $fh $body;
    close $fh;
}

put("Identify-", $head . qq{<request verb="Identify">http://127.0.0.1/oai</request>\n<Identify><repositoryName>Wenyuan bench</repositoryName><baseURL>http://127.0.0.1/oai</baseURL><protocolVersion>2.0</protocolVersion><adminEmail>bench\@example.org</adminEmail><earliestDatestamp>2000-01-01T00:00:00Z</earliestDatestamp><deletedRecord>persistent</deletedRecord><granularity>YYYY-MM-DDThh:mm:ssZ</granularity></Identify>\n</OAI-PMH>\n});
put("ListMetadataFormats-", $head . qq{<request verb="ListMetadataFormats">http://127.0.0.1/oai</request>\n<ListMetadataFormats><metadataFormat><metadataPrefix>oai_dc</metadataPrefix><schema>http://www.openarchives.org/OAI/2.0/oai_dc.xsd</schema><metadataNamespace>http://www.openarchives.org/OAI/2.0/oai_dc/</metadataNamespace></metadataFormat><metadataFormat><metadataPrefix>marc21</metadataPrefix><schema>http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd</schema><metadataNamespace>http://www.loc.gov/MARC21/slim</metadataNamespace></metadataFormat></ListMetadataFormats>\n</OAI-PMH>\n});

for my $fmt (['dc', 'oai_dc', \@dc], ['marc21', 'marc21', \@marc]) {
    my ($tag, $prefix, $recs) = @$fmt;
    my $pages = int(($n + $size - 1) / $size);
    for my $p (1 .. $pages) {
        my $out = $head . qq{<request verb="ListRecords" metadataPrefix="$prefix">http://127.0.0.1/oai</request>\n<ListRecords>\n};
        my $first = ($p - 1) * $size;
        my $last = $first + $size - 1;
        $last = $n - 1 if $last > $n - 1;
        for my $i ($first .. $last) {
            my $s = $i % 86400;
            my $ds = sprintf("2025-%02d-%02dT%02d:%02d:%02dZ", 1 + int($i / 86400) % 12, 1 + int($i / 1000000) % 28, $s / 3600, ($s / 60) % 60, $s % 60);
            $out .= qq{<record><header><identifier>oai:bench.example.org:$i</identifier><datestamp>$ds</datestamp><setSpec>guji</setSpec></header><metadata>$recs->[$i % 10]</metadata></record>\n};
        }
        my $cursor = $first;
        if ($p < $pages) {
            $out .= qq{<resumptionToken completeListSize="$n" cursor="$cursor">$tag-} . ($p + 1) . qq{</resumptionToken>\n};
        } else {
            $out .= qq{<resumptionToken completeListSize="$n" cursor="$cursor"/>\n};
        }
        $out .= "</ListRecords>\n</OAI-PMH>\n";
        put($p == 1 ? "ListRecords-$prefix" : "$tag-$p", $out);
    }
}
